/** Times in the console: UTC, to the second, the same on the server and in the browser. */
export function utc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
