import { AppSurface, apiSurface, cliSurface, consumerSurface } from './app-surface';

/** The CLI's entry point inside the images (scripts/build-lib.js output + the package's `bin`). */
export const CLI_ENTRY = '/app/dist/libs/redis-streams/cli/main.js';

/** Maps a container to the app it runs: the CLI when its command is the CLI, else by image name. */
export function surfaceByImage(): (container: { image?: string; command?: string[] }) => AppSurface {
  const api = apiSurface();
  const consumer = consumerSurface();
  const cli = cliSurface();
  return (container) => {
    if (container.command?.includes(CLI_ENTRY)) return cli;
    const image = container.image ?? '';
    if (image.includes('nest-redis-streams-api')) return api;
    if (image.includes('nest-redis-streams-consumer')) return consumer;
    throw new Error(`no app known for image ${image}`);
  };
}
