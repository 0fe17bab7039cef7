import { describe, expect, it } from 'vitest';
import { safeNextPath } from '../../client/src/auth/safe-next';

describe('the path to return to after signing in', () => {
  it('keeps a path on our own site, with its query', () => {
    expect(safeNextPath('/police?report=abc&z=12')).toBe('/police?report=abc&z=12');
    expect(safeNextPath('/owner')).toBe('/owner');
  });

  it('refuses anything that could send the user to another site', () => {
    for (const next of [
      '//evil.example',
      '//evil.example/police',
      '/\\evil.example',
      '/\\/evil.example',
      'https://evil.example',
      'javascript:alert(1)',
      '/%0a/evil.example',
      '/\t/evil.example',
      '',
      null,
      undefined,
    ]) {
      const kept = safeNextPath(next);
      if (kept !== null) expect(new URL(kept, 'https://staywatch.invalid').origin).toBe('https://staywatch.invalid');
      expect(kept === null || !kept.startsWith('//')).toBe(true);
    }
    expect(safeNextPath('//evil.example')).toBeNull();
    expect(safeNextPath('/\\evil.example')).toBeNull();
    expect(safeNextPath('https://evil.example')).toBeNull();
  });
});
