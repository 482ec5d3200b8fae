/**
 * IVYO joins restore options with spaces and runs them through `bash -c` (and its backup options reach a command
 * line too), so every word the library gives it reaches a shell. This is the one place that decides what may.
 */
import { Problems } from '../validation';

/** Characters bash takes literally anywhere in a word: no expansion, quoting, globbing, redirection or separation. */
const LITERAL = /^[A-Za-z0-9_\-=.,:/+@%]+$/;

/** What a word reaching IVYO's shell may contain, for error messages. */
export const SHELL_LITERAL_ALLOWED = 'letters, digits and - _ = . , : / + @ %';

/** True when bash reads `value` as one literal word. */
export function isShellLiteral(value: string): boolean {
  return typeof value === 'string' && LITERAL.test(value);
}

/** The options whose value may be a time, with a space: a recovery target and the repo's target time. */
const TIME_OPTIONS = ['--target=', '--repo-target-time='];

/**
 * Renders one word for IVYO's shell, or records why it cannot be (and returns it unrendered). Words of literal
 * characters go as they are. A time option (`--target=`, `--repo-target-time=`) whose value also has single spaces
 * between literal characters, as a time has, is double-quoted, as IVYO documents (`--target="2021-06-09
 * 14:15:11-04"`): inside double quotes only $ ` \ " and ! are special, and none of them is allowed. Anything else
 * is refused.
 */
export function ivyoShellWord(problems: Problems, field: string, word: string): string {
  if (isShellLiteral(word)) return word;
  const option = typeof word === 'string' ? TIME_OPTIONS.find(o => word.startsWith(o)) : undefined;
  if (option) {
    const value = word.slice(option.length);
    if (/^[^ ]+( [^ ]+)*$/.test(value) && isShellLiteral(value.replace(/ /g, ''))) return `${option}"${value}"`;
  }
  problems.add(field, word, `must contain only ${SHELL_LITERAL_ALLOWED} (IVYO runs restore and backup options through bash, which would interpret anything else)`);
  return word;
}

/** `ivyoShellWord` for each of `words`, fields `field[i]`. */
export function ivyoShellWords(problems: Problems, field: string, words: string[]): string[] {
  return words.map((w, i) => ivyoShellWord(problems, `${field}[${i}]`, w));
}
