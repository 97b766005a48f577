/**
 * node:util's parseArgs, with one change: a negative number after an option that takes a value
 * (`--limit -1`) is that option's value, so the command's own check can say what is allowed.
 * (parseArgs alone reads `-1` as an option and answers with its own text.)
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

const NEGATIVE_NUMBER = /^-\d/;

/** Joins `--name -N` into `--name=-N` for the options of type string in `options`. */
export function joinNegativeValues(args: readonly string[], options: ParseArgsConfig['options']): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && next !== undefined && NEGATIVE_NUMBER.test(next) && options?.[name]?.type === 'string') {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** parseArgs over `config.args`, with negative numbers taken as option values. */
export function parseCommandArgs<T extends ParseArgsConfig & { args: string[] }>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  return parseArgs<T>({ ...config, args: joinNegativeValues(config.args, config.options) });
}
