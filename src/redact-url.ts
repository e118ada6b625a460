/** The URL with its password replaced by `***`, for messages (`redis://user:***@host:6379`). */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_match, auth: string) => `//${auth.split(':')[0]}:***@`);
}
