import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a system chromium is looked for, in order (CHROMIUM_SYSTEM_PATHS, colon-separated, overrides; empty = none). */
export const SYSTEM_CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export interface ChromiumChoice {
  source: 'CHROMIUM_PATH' | 'system' | 'packaged';
  executablePath: string;
  /** Extra switches this build needs. */
  args: string[];
  /** Environment for the browser process (the packaged build brings its own NSS libraries and fonts). */
  env?: Record<string, string>;
}

export interface ResolveOptions {
  /** Defaults to process.env.CHROMIUM_PATH (empty counts as unset). */
  chromiumPath?: string;
  /** Defaults to CHROMIUM_SYSTEM_PATHS from the environment, else SYSTEM_CHROMIUM_PATHS. */
  systemPaths?: string[];
  /** Where the packaged build is unpacked; defaults to <tmp>/staywatch-chromium-<version>. */
  cacheDir?: string;
}

/**
 * The chromium the browser tests launch: CHROMIUM_PATH, else a system chromium, else the build shipped in the
 * @sparticuz/chromium package (unpacked once per machine), so the tests need no system package.
 */
export async function resolveChromium(options: ResolveOptions = {}): Promise<ChromiumChoice> {
  const explicit = options.chromiumPath ?? process.env.CHROMIUM_PATH;
  if (explicit) return { source: 'CHROMIUM_PATH', executablePath: explicit, args: [] };
  const systemPaths = options.systemPaths ?? systemPathsFromEnv() ?? SYSTEM_CHROMIUM_PATHS;
  const system = systemPaths.find((p) => isExecutable(p));
  if (system) return { source: 'system', executablePath: system, args: [] };
  return packagedChromium(options.cacheDir);
}

function systemPathsFromEnv(): string[] | undefined {
  const raw = process.env.CHROMIUM_SYSTEM_PATHS;
  if (raw === undefined) return undefined;
  return raw.split(':').filter(Boolean);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

async function packagedChromium(cacheDir?: string): Promise<ChromiumChoice> {
  const pkg = await import('@sparticuz/chromium');
  const pkgRoot = path.resolve(path.dirname(fileURLToPath(import.meta.resolve('@sparticuz/chromium'))), '..');
  const version = (JSON.parse(fs.readFileSync(path.join(pkgRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const dir = cacheDir ?? path.join(os.tmpdir(), `staywatch-chromium-${version}`);
  const executablePath = path.join(dir, 'chromium');
  if (!isExecutable(executablePath)) await unpack(pkg, path.join(pkgRoot, 'bin'), dir);
  return {
    source: 'packaged',
    executablePath,
    args: [
      '--no-zygote',
      '--use-gl=angle',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--font-render-hinting=none',
    ],
    env: {
      LD_LIBRARY_PATH: [path.join(dir, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_FILE: path.join(dir, 'fonts.conf'),
    },
  };
}

/**
 * Unpacks the package's brotli archives (browser, fonts, swiftshader, NSS libraries) into a private staging
 * directory, then renames it into place, so parallel test files never see a half-written browser.
 * The package unpacks into os.tmpdir(), which it reads synchronously when each unpack starts.
 */
async function unpack(pkg: typeof import('@sparticuz/chromium'), bin: string, dir: string): Promise<void> {
  const staging = `${dir}.${process.pid}.${Date.now()}`;
  fs.mkdirSync(staging, { recursive: true });
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  let pending: Promise<string>[];
  try {
    pending = ['chromium.br', 'fonts.tar.br', 'swiftshader.tar.br', 'al2023.tar.br'].map((f) => pkg.inflate(path.join(bin, f)));
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  }
  await Promise.all(pending);
  // The package's fonts.conf names /tmp/fonts; ours names where the fonts are.
  fs.writeFileSync(
    path.join(staging, 'fonts.conf'),
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${path.join(dir, 'fonts')}</dir>\n  <cachedir>${path.join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
  );
  try {
    fs.renameSync(staging, dir);
  } catch (err) {
    // Another process won the race: use its copy.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!isExecutable(path.join(dir, 'chromium'))) throw err;
  }
}
