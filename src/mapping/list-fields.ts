import { LIST_SCHEMAS, leafPaths, type ListName } from '../schemas/lists.js';
import { describeTarget, type MappingTarget } from './target.js';

/**
 * Products, organizations and workspaces as mapping targets: their ids are the vendor's own
 * (written in `fields.id`), equal to the ids usage rows carry, so a client can join the two.
 */
export const LIST_TARGETS: Readonly<Record<ListName, MappingTarget>> = Object.fromEntries(
  Object.entries(LIST_SCHEMAS).map(([list, schema]) => [
    list,
    describeTarget(schema.$id ?? list, schema, leafPaths(schema), {
      id: 'field',
      reserved: {},
      sections: { charges: false, resources: false },
    }),
  ]),
) as Record<ListName, MappingTarget>;
