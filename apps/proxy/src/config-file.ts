import fs from 'node:fs';
import { ConfigError } from './config.ts';
import { isSetting, settingNamed } from './settings.ts';

/**
 * A configuration file: one JSON object whose keys are the settings' names (the environment variables). Values are
 * typed: numbers for whole numbers and seconds, true/false for flags, strings for the rest. Read once at start; an
 * unknown key or a value of the wrong type stops the gateway with a line naming the key. Returns the values in the
 * environment's form, for loadConfig to validate like any other.
 */
export function readConfigFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read the configuration file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`the configuration file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`the configuration file ${file} must hold one JSON object of settings`);
  }
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!isSetting(key)) throw new ConfigError(`${file}: unknown setting "${key}" (npm start -- --help lists them)`);
    values[key] = asEnvironmentValue(file, key, value);
  }
  return values;
}

function asEnvironmentValue(file: string, key: string, value: unknown): string {
  const setting = settingNamed(key);
  const shown = setting.secret ? 'a value' : JSON.stringify(value);
  switch (setting.kind.type) {
    case 'integer':
    case 'seconds':
      if (typeof value === 'number' && Number.isInteger(value)) return String(value);
      throw new ConfigError(`${file}: ${key} must be a whole number, got ${shown}`);
    case 'flag':
      if (typeof value === 'boolean') return value ? '1' : '0';
      throw new ConfigError(`${file}: ${key} must be true or false, got ${shown}`);
    default:
      if (typeof value === 'string') return value;
      throw new ConfigError(`${file}: ${key} must be a string, got ${shown}`);
  }
}
