/** Hostile inputs for the fuzz test: injections, traversal, odd encodings, control characters, sizes. */
const base = [
  "' OR '1'='1",
  "'; DROP TABLE accounts; --",
  '" OR ""="',
  '1; SELECT pg_sleep(5)--',
  "admin'--",
  '<script>alert(1)</script>',
  '"><script>alert(document.cookie)</script>',
  "<img src=x onerror=alert('x')>",
  '<svg/onload=alert(1)>',
  'javascript:alert(1)',
  '</script><script>alert(1)</script>',
  '{{7*7}}',
  '<%= 7*7 %>',
  '${7*7}',
  '../../../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%c0%af..%c0%afetc/passwd',
  '/etc/passwd\u0000.md',
  '\u0000',
  'a\u0000b',
  '\r\nSet-Cookie: evil=1',
  '%0d%0aSet-Cookie:%20evil=1',
  '\u202eevil\u202c',
  '\ufeffbom',
  '\ud800',
  '💥🔥'.repeat(20),
  'Ω≈ç√∫˜µ≤≥÷',
  '田中さんにあげて下さい',
  '__proto__',
  'constructor',
  '{"__proto__":{"admin":true}}',
  '[]',
  '{}',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '99999999999999999999999',
  '1e309',
  '%',
  '%%',
  '%ZZ',
  '%FF%FE',
  '%C3%28',
  '\\',
  '//evil.example',
  'https://evil.example/',
  '/\\evil.example',
  '\t\n\v\f\r',
  ' '.repeat(300),
  'A'.repeat(5000),
  'x'.repeat(70000),
  '%s%s%s%n',
  '`rm -rf /`',
  '$(reboot)',
  '; cat /etc/passwd',
  '| id',
  'price_1\'--',
  'cs_test_<script>',
  'evt_\u0000',
  'UTC\u0000',
  'Europe/../../etc',
];

/** Lone surrogates cannot be sent as UTF-8 at all; invalid bytes are tested raw instead. */
function wellFormed(value: string): string {
  return value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

export const hostileStrings: string[] = (() => {
  const out = new Set<string>();
  for (const s of base.map(wellFormed)) {
    out.add(s);
    out.add(encodeURIComponent(s));
    out.add(s.toUpperCase());
    out.add(`valid-prefix-${s}`);
  }
  return [...out];
})();

/** What an HTTP client can put in a header: printable ASCII only. */
export function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 8000);
}
