import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The service recipes in the repository (docs/deploy.md): the systemd unit is checked by systemd's own parser
 * (`systemd-analyze verify`, from Debian's systemd package, which scripts/system-deps.sh installs); the Dockerfile's
 * runtime stage is read for what docs/deploy.md promises. Neither is run here: there is no systemd as PID 1 and no
 * Docker daemon on the test machine (docs/deploy.md says so).
 */
const root = path.resolve(import.meta.dirname, '../..');
const unitText = fs.readFileSync(path.join(root, 'deploy/xwc-gateway.service'), 'utf8');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-unit-'));

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** `systemd-analyze verify` on a copy of the unit (its node made this machine's node): exit status and what it said. */
function verify(text: string): { status: number | null; output: string } {
  const file = path.join(scratch, 'xwc-gateway.service');
  fs.writeFileSync(file, text.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
  const result = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw new Error(`systemd-analyze could not run (apt-get install systemd): ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

/** The unit's `Key=value` lines (a key given twice keeps both values). */
function directives(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const [, key, value] of text.matchAll(/^(\w+)=(.*)$/gm)) map.set(key!, [...(map.get(key!) ?? []), value!]);
  return map;
}

describe('the systemd unit (deploy/xwc-gateway.service)', () => {
  it('passes systemd-analyze verify without a word', () => {
    expect(verify(unitText)).toEqual({ status: 0, output: '' });
  });

  it('is checked for real: a misspelled or wrong option is reported', () => {
    const broken = verify(
      unitText
        .replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes')
        .replace('ProtectSystem=strict', 'ProtectSystem=strictest'),
    );
    expect(broken.output).toContain("Unknown key 'NoNewPrivilege'");
    expect(broken.output).toContain('strictest');
  });

  it('hardens the service: no new privileges, private /tmp, read-only system and no home, writes only to DATA_DIR', () => {
    const unit = directives(unitText);
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      CapabilityBoundingSet: '',
      RestrictSUIDSGID: 'yes',
      User: 'xwc',
    })) {
      expect(unit.get(key), key).toEqual([value]);
    }
    expect(unit.get('Environment')).toContain('DATA_DIR=/var/lib/xwc');
    expect(unit.get('ReadWritePaths')).toEqual(['/var/lib/xwc']);
    expect(unit.get('StateDirectory')).toEqual(['xwc']);
    // node itself receives the signals (a drain on SIGTERM, a reload on SIGHUP), and runs the build.
    expect(unit.get('ExecStart')).toEqual(['/usr/bin/node --enable-source-maps apps/proxy/dist/main.js']);
    expect(unit.get('RestartPreventExitStatus')).toEqual(['2 3 4']);
  });
});

describe('the Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('runs the staged build, installed with npm ci --omit=dev, as a non-root user', () => {
    expect(dockerfile).toMatch(/npm run build \\\s+&& node scripts\/stage-runtime\.mjs \/staged/);
    expect(runtime).toContain('COPY --from=build /staged/ ./');
    expect(runtime).toMatch(/RUN npm ci --omit=dev/);
    const user = /^USER (\S+)$/m.exec(runtime)?.[1];
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(runtime).toContain('CMD ["node", "--enable-source-maps", "apps/proxy/dist/main.js"]');
  });

  it('has a health check on /healthz of the metrics listener', () => {
    expect(runtime).toMatch(/^HEALTHCHECK .*\\\n\s+CMD node -e ".*\/healthz.*"$/m);
  });
});
