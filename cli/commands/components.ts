/** `pipetrace components` and `pipetrace tags`: the pipeline's steps and their tags. */
import { componentsTable, tagsTable } from '../../src/render/plain-text.js';
import { queryCommand, STORE_USAGE } from './query-common.js';

const usage = `Usage: pipetrace components [--owner O] [--tag T] [options]

The components (pipeline steps), by name, with owner, tags and description.

  --owner O        only those owned by O
  --tag T          only those tagged T

${STORE_USAGE}`;

export const components = queryCommand({
  name: 'components',
  summary: 'the components, with owners and tags',
  usage,
  options: { owner: { type: 'string' }, tag: { type: 'string' } },
  run:
    ({ values }) =>
    async (s) => {
      const list = await s.pt.components({
        ...(values.owner === undefined ? {} : { owner: values.owner }),
        ...(values.tag === undefined ? {} : { tag: values.tag }),
      });
      return s.print({ components: list }, () => componentsTable(list));
    },
});

const tagsUsage = `Usage: pipetrace tags [options]

Every tag in use, with how many components carry it.

${STORE_USAGE}`;

export const tags = queryCommand({
  name: 'tags',
  summary: 'the tags in use, with counts',
  usage: tagsUsage,
  run: () => async (s) => {
    const list = await s.pt.tags();
    return s.print({ tags: list }, () => tagsTable(list));
  },
});
