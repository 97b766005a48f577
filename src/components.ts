import { invalid } from './errors.js';
import type { Component } from './model.js';
import type { Store } from './store.js';
import { checkIdentifier, checkNameList, checkText, describe, isPlainObject } from './validate.js';

export interface ComponentInput {
  description?: string;
  owner?: string;
  tags?: string | string[];
}

/** Creates a component, or updates the fields given if it exists. */
export async function upsertComponent(
  store: Store,
  name: string,
  input: ComponentInput,
  now: number,
): Promise<Component> {
  checkIdentifier('component', name);
  if (!isPlainObject(input)) throw invalid('component options', `must be an object, got ${describe(input)}`);
  const description = input.description === undefined ? undefined : checkText('description', input.description, 4096);
  const owner = input.owner === undefined ? undefined : checkText('owner', input.owner, 256);
  const tags = input.tags === undefined ? undefined : checkNameList('tags', input.tags, checkIdentifier);
  const [existing] = await store.getComponents([name]);
  const component: Component = {
    name,
    description: description ?? existing?.description ?? '',
    owner: owner ?? existing?.owner ?? '',
    tags: tags ?? existing?.tags ?? [],
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await store.putComponents([component]);
  return component;
}

/** Components, by name, optionally only those with an owner or a tag. */
export async function listComponents(store: Store, filter: { owner?: string; tag?: string }): Promise<Component[]> {
  if (filter.owner !== undefined) checkText('owner', filter.owner, 256);
  if (filter.tag !== undefined) checkIdentifier('tag', filter.tag);
  const all = await store.scanComponents();
  return all.filter(
    (c) =>
      (filter.owner === undefined || c.owner === filter.owner) &&
      (filter.tag === undefined || c.tags.includes(filter.tag)),
  );
}

/** Every tag in use, with how many components carry it, most used first. */
export async function tagCounts(store: Store): Promise<{ tag: string; count: number }[]> {
  const counts = new Map<string, number>();
  for (const c of await store.scanComponents()) for (const t of c.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts]
    .map(([tag, count]) => ({ tag, count }))
    .sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : 1));
}
