/** A route option's hooks as a list: Fastify accepts one function, a list of them, or nothing. */
export function hookList<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}
