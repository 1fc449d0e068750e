import { ORGANIZATION_NAME_PATTERN, organizationNameProblem, slugify, SLUG_MAX_BYTES, slugPrefix } from './organization-name.js';

describe('slugify', () => {
  it.each([
    ['Acme Corp', 'acme_corp'],
    ['  Tech Innovations Corp 2.0 ', 'tech_innovations_corp_2_0'],
    ['Crème Brûlée & Co.', 'creme_brulee_co'],
    ['ACME', 'acme'],
    ['a--b__c', 'a_b_c'],
    ['Москва Трейд', 'москва_треид'],
    ['東京 株式会社', '東京_株式会社'],
    ['ﬁnance', 'finance'],
    ['$weird.name\u0000', 'weird_name'],
  ])('%j -> %j', (name, expected) => {
    expect(slugify(name)).toBe(expected);
  });

  it('maps case and accent variants to the same slug', () => {
    expect(slugify('Café Noir')).toBe(slugify('CAFE noir'));
  });

  it('keeps long slugs within the byte limit and distinct', () => {
    const a = slugify('界'.repeat(99) + 'a');
    const b = slugify('界'.repeat(99) + 'b');
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(SLUG_MAX_BYTES);
    expect(Buffer.byteLength(b)).toBeLessThanOrEqual(SLUG_MAX_BYTES);
    expect(a).not.toBe(b);
    expect(slugify('x'.repeat(100))).toHaveLength(SLUG_MAX_BYTES);
  });

  it('never yields an illegal collection name part', () => {
    for (const name of ['system.users', '$cmd', 'a.b', 'é', '٣', 'ǅemal']) {
      const slug = slugify(name);
      expect(slug).not.toBe('');
      expect(slug).not.toMatch(/[$.\u0000]/);
    }
  });
});

describe('slugPrefix', () => {
  it.each([
    ['Acme', 'acme'],
    ['ACME co', 'acme_co'],
    ['Acme ', 'acme'],
    ['  -Crème', 'creme'],
    ['東京', '東京'],
  ])('%j -> %j', (prefix, expected) => {
    expect(slugPrefix(prefix)).toBe(expected);
  });

  it('starts the slug of every name that starts with the prefix, long slugs included', () => {
    const names = [
      'Acme Corp',
      'acme  corp 2',
      'ACME-Corp!',
      'Crème Brûlée & Co.',
      `Acme Corp ${'long name '.repeat(12)}`,
      '界'.repeat(99),
    ];
    for (const name of names) {
      for (let end = 1; end <= name.length; end += 1) {
        const prefix = name.slice(0, end);
        if (organizationNameProblem(prefix, 'name_prefix') !== null) continue;
        expect({ name, prefix, starts: slugify(name).startsWith(slugPrefix(prefix)) }).toEqual({ name, prefix, starts: true });
      }
    }
  });

  it('keeps the part of a long prefix that every long slug keeps', () => {
    const long = 'x'.repeat(80);
    expect(slugPrefix(long)).toBe('x'.repeat(55));
    expect(slugify(`${long} and more`).startsWith(slugPrefix(long))).toBe(true);
  });
});

describe('organizationNameProblem', () => {
  it.each(['Acme', 'x', '٣', 'a'.repeat(100)])('accepts %j', (name) => {
    expect(organizationNameProblem(name)).toBeNull();
  });

  it.each(['', '   '.trim(), '---', '!!!', 'a'.repeat(101), 'bad\u0007name'])('refuses %j', (name) => {
    expect(organizationNameProblem(name)).not.toBeNull();
  });

  it('names the field it judges', () => {
    expect(organizationNameProblem('---', 'name_prefix')).toBe('name_prefix must contain at least one letter or digit');
  });
});

describe('ORGANIZATION_NAME_PATTERN', () => {
  // Compiled without the `u` flag, as engines without Unicode property classes would read it.
  const pattern = new RegExp(ORGANIZATION_NAME_PATTERN);

  it('uses no Unicode property classes, which Python re and jsonschema cannot compile', () => {
    expect(ORGANIZATION_NAME_PATTERN).not.toMatch(/\\[pP]\{/);
    expect(() => new RegExp(ORGANIZATION_NAME_PATTERN, 'u')).not.toThrow();
  });

  it.each(['Acme', ' Acme Corp ', '\tx\n', '東京', '٣', '½', 'a-b.c', '\u00a0Zürich\u3000', 'Москва', 'ª'])(
    'matches %j like the rule does',
    (name) => {
      expect(pattern.test(name)).toBe(true);
      expect(organizationNameProblem(name.trim())).toBeNull();
    },
  );

  it.each(['', '   ', '---', '!!!', '«»', '¿?', 'a\u0000b', 'bad\u0007name', 'x\u0085y', '\u001fa', '\u3000\u2028'])(
    'refuses %j like the rule does',
    (name) => {
      expect(pattern.test(name)).toBe(false);
      expect(organizationNameProblem(name.trim())).not.toBeNull();
    },
  );

  it('agrees with the rule on every one-character name up to U+00FF and on every whitespace', () => {
    const disagreements: string[] = [];
    for (let code = 0; code <= 0xffff; code += 1) {
      const char = String.fromCharCode(code);
      if (code > 0xff && char.trim() !== '') continue;
      if (pattern.test(`a${char}`) !== (organizationNameProblem(`a${char}`.trim()) === null))
        disagreements.push(`a+U+${code.toString(16)}`);
      if (pattern.test(char) !== (organizationNameProblem(char.trim()) === null)) disagreements.push(`U+${code.toString(16)}`);
    }
    expect(disagreements).toEqual([]);
  });
});
