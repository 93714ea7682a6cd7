// Where a message was written (issue #13): the page (scheme, host and path:
// the query and the fragment can hold tokens, so they are never sent) and a
// short browser name ("Chrome 120 on Windows"), shown to the agent in the
// customer card. Pure: takes location and userAgent.

export function pageOf(loc) {
  try {
    const u = new URL(String(loc?.href || ''));
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return '';
    const s = `${u.protocol}//${u.host}${u.pathname}`;
    return s.length > 1000 ? s.slice(0, 1000) : s;
  } catch {
    return '';
  }
}

const BROWSERS = [
  [/Edg(?:e|A|iOS)?\/(\d+)/, 'Edge'], [/OPR\/(\d+)/, 'Opera'], [/SamsungBrowser\/(\d+)/, 'Samsung Internet'],
  [/Firefox\/(\d+)/, 'Firefox'], [/FxiOS\/(\d+)/, 'Firefox'], [/CriOS\/(\d+)/, 'Chrome'],
  [/Chrom(?:e|ium)\/(\d+)/, 'Chrome'], [/Version\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari/, 'Safari'],
];
const SYSTEMS = [
  [/Windows/, 'Windows'], [/Android/, 'Android'], [/iPhone|iPad|iPod/, 'iOS'], [/CrOS/, 'ChromeOS'],
  [/Mac OS X|Macintosh/, 'macOS'], [/Linux/, 'Linux'],
];

export function browserOf(ua) {
  const s = String(ua || '');
  let name = '';
  for (const [re, n] of BROWSERS) {
    const m = re.exec(s);
    if (m) { name = `${n} ${m[1]}`; break; }
  }
  const os = (SYSTEMS.find(([re]) => re.test(s)) || [])[1] || '';
  return [name, os].filter(Boolean).join(' · ').slice(0, 100);
}
