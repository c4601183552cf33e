import fs from 'node:fs';

/** Exit codes of the gateway process (docs/configuration.md, "Exit codes"; `--help`). */
export const EXIT = { ok: 0, unexpected: 1, config: 2, listen: 3, file: 4 } as const;

/** A reason the gateway cannot start, said in one line, with the exit code it maps to. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Reads a file a setting names, or says which setting and file could not be read and why. */
export function readSettingFile(setting: string, file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new StartupError(
      `${setting}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`,
      EXIT.file,
    );
  }
}

/** Why a listener could not be opened, naming the settings that chose its address. */
export function listenError(error: unknown, settings: string, host: string, port: number): StartupError {
  const code = (error as NodeJS.ErrnoException | null)?.code ?? String(error);
  const why =
    code === 'EADDRINUSE'
      ? 'the port is already in use'
      : code === 'EADDRNOTAVAIL'
        ? 'the address is not one of this machine'
        : code === 'EACCES'
          ? 'permission denied (ports below 1024 need privileges)'
          : code;
  return new StartupError(`${settings}: cannot listen on ${host}:${port}: ${why} (${code})`, EXIT.listen);
}
