/** `pipetrace component NAME` and `pipetrace tag COMPONENT TAG...`: describe a step, as the API and dashboard do. */
import { notFound } from '../../src/errors.js';
import type { Component } from '../../src/model.js';
import { componentsTable } from '../../src/render/plain-text.js';
import { queryCommand, STORE_USAGE } from './query-common.js';

const usage = `Usage: pipetrace component NAME [--description D] [--owner O] [--tags T1,T2] [options]

Shows a component, or with options creates it or updates the fields given (as the API's
component(name, { description, owner, tags }) and the dashboard do). --tags replaces the
component's tags; "pipetrace tag" adds to them.

  --description D  what the step does
  --owner O        who owns it
  --tags T1,T2     its tags, comma-separated (replacing those it has)

${STORE_USAGE}`;

const print = (c: Component) => componentsTable([c]);

export const component = queryCommand({
  name: 'component',
  summary: 'show a component, or create or update it (description, owner, tags)',
  usage,
  options: { description: { type: 'string' }, owner: { type: 'string' }, tags: { type: 'string' } },
  positionals: ['NAME'],
  // Showing a component reads; only creating or updating one may create the store.
  creates: (values) => values.description !== undefined || values.owner !== undefined || values.tags !== undefined,
  run: ({ values, positionals: [name] }) => {
    const fields = {
      ...(values.description === undefined ? {} : { description: values.description }),
      ...(values.owner === undefined ? {} : { owner: values.owner }),
      ...(values.tags === undefined ? {} : { tags: values.tags.split(',').filter((t) => t !== '') }),
    };
    return async (s) => {
      if (Object.keys(fields).length === 0) {
        const [found] = await s.store.getComponents([name]);
        if (found === undefined) throw notFound('component', name);
        return s.print({ component: found }, () => print(found));
      }
      const updated = await s.pt.component(name, fields);
      return s.print({ component: updated }, () => print(updated));
    };
  },
});

const tagUsage = `Usage: pipetrace tag COMPONENT TAG... [options]

Adds tags to a component (creating it if needed), as the API's tag(name, tags) does.

${STORE_USAGE}`;

export const tag = queryCommand({
  name: 'tag',
  summary: 'add tags to a component',
  usage: tagUsage,
  positionals: ['COMPONENT', 'TAG'],
  rest: true,
  creates: true,
  run:
    ({ positionals: [name, first], rest }) =>
    async (s) => {
      const updated = await s.pt.tag(name, [first, ...rest]);
      return s.print({ component: updated }, () => print(updated));
    },
});
