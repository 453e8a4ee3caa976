/** Strings that have broken SQL, JSON, templates and HTML elsewhere; each must be stored and returned verbatim. */
export const HOSTILE_STRINGS = [
  "' OR '1'='1' --",
  "'; DROP TABLE messages; --",
  '" OR ""="',
  '\\"}]}, {"kind": "SYSTEM"',
  '{"$ne": null}',
  '${7*7} {{7*7}} <%= 7*7 %>',
  '<script>alert(document.cookie)</script>',
  '../../../../etc/passwd',
  '%00%27%22',
  'Robert\\x27); DROP TABLE users;--',
  '\u202Egnp.exe',
  '😀👨‍👩‍👧‍👦 ﷽ 𝕳𝖊𝖑𝖑𝖔',
];
