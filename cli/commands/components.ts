/** `pipetrace components` and `pipetrace tags`: the pipeline's steps and their tags. */
import { parseArgs } from 'node:util';
import { componentsTable, tagsTable } from '../../src/render/plain-text.js';
import type { Command } from '../command.js';
import { noMore, print, STORE_OPTIONS, STORE_USAGE, showHelp, withSession } from './query-common.js';

const usage = `Usage: pipetrace components [--owner O] [--tag T] [options]

The components (pipeline steps), by name, with owner, tags and description.

  --owner O        only those owned by O
  --tag T          only those tagged T

${STORE_USAGE}`;

export const components: Command = {
  name: 'components',
  summary: 'the components, with owners and tags',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { ...STORE_OPTIONS, owner: { type: 'string' }, tag: { type: 'string' } },
    });
    if (values.help) return showHelp(io, usage);
    noMore(positionals, 0);
    return withSession(values, io, async (s) => {
      const list = await s.pt.components({
        ...(values.owner === undefined ? {} : { owner: values.owner }),
        ...(values.tag === undefined ? {} : { tag: values.tag }),
      });
      return print(io, s, values, { components: list }, () => componentsTable(list));
    });
  },
};

const tagsUsage = `Usage: pipetrace tags [options]

Every tag in use, with how many components carry it.

${STORE_USAGE}`;

export const tags: Command = {
  name: 'tags',
  summary: 'the tags in use, with counts',
  usage: tagsUsage,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: STORE_OPTIONS });
    if (values.help) return showHelp(io, tagsUsage);
    noMore(positionals, 0);
    return withSession(values, io, async (s) => {
      const list = await s.pt.tags();
      return print(io, s, values, { tags: list }, () => tagsTable(list));
    });
  },
};
