/**
 * Where the page keeps a pasted write token for the tab's session: the client reads it there, and
 * the served page's inline script looks there to skip home's early requests (asked without it).
 */
export function tokenKey(url: string): string {
  return `pipetrace-token:${url}`;
}
