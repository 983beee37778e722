import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { I18n } from '@grammyjs/i18n';
import type { I18nConfig } from '@grammyjs/i18n';
import type { Context } from 'grammy';
import type { Locale } from '../config.js';
import { escapeHtml } from './render/html.js';

/**
 * Translates one key in a fixed locale. Every message is HTML for `parse_mode: 'HTML'`.
 * String variables are plain text and are HTML-escaped by the i18n instance (never pass markup).
 * Numbers are for plural selection only: Fluent would print them with locale digits and grouping,
 * so anything displayed (ids, refs, phones, amounts, counts) is passed as a pre-formatted string.
 */
export type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** Finds the repository's `locales/` by walking up: works from `src/bot/` (tsx) and `dist/src/bot/` (tsc). */
export function findLocalesDir(startDir: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = startDir;
  for (;;) {
    const candidate = join(dir, 'locales');
    if (existsSync(join(candidate, 'ar.ftl'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`locales/ar.ftl not found above ${startDir}`);
    dir = parent;
  }
}

type I18nExtras<C extends Context> = Pick<
  Partial<I18nConfig<C>>,
  'localeNegotiator' | 'useSession' | 'globalTranslationContext' | 'fluentOptions'
>;

function escapeStringVars(vars: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!vars) return vars;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(vars)) out[name] = typeof value === 'string' ? escapeHtml(value) : value;
  return out;
}

/**
 * The bot's i18n (Fluent files under `locales/`). `useIsolating: false` on purpose: Fluent's
 * U+2068/U+2069 marks would be copied together with refs; direction is controlled in the texts
 * (Arabic lines start with an Arabic word, refs sit alone in `<code>`).
 * String variables are escaped for HTML on every path (`i18n.t`, `ctx.t`), so user or provider
 * text can never break a message.
 */
export function createI18n<C extends Context = Context>(defaultLocale: Locale, extras: I18nExtras<C> = {}): I18n<C> {
  const i18n = new I18n<C>({
    ...extras,
    defaultLocale,
    directory: findLocalesDir(),
    fluentBundleOptions: { useIsolating: false },
  });
  const fluent = i18n.fluent;
  const translate = fluent.translate.bind(fluent);
  // ctx.t (middleware) and i18n.t both end in fluent.translate, looked up on the instance at call time.
  fluent.translate = (locales, path, context) => translate(locales, path, escapeStringVars(context) as typeof context);
  return i18n;
}

/** A translator bound to one locale, for code without an update context (jobs, renderers). */
export function translatorFor(i18n: Pick<I18n, 't'>, locale: Locale): Translate {
  return (key, vars) => i18n.t(locale, key, vars);
}

/**
 * Message ids and `id.attribute` names defined in `locales/<locale>.ftl`, sorted.
 * Parsed from the source (not the bundle) so a key that Fluent rejected as junk still shows up
 * here and is then caught by rendering.
 */
export function localeKeys(locale: Locale, localesDir: string = findLocalesDir()): string[] {
  const source = readFileSync(join(localesDir, `${locale}.ftl`), 'utf8');
  const keys: string[] = [];
  let current: string | undefined;
  for (const line of source.split(/\r?\n/)) {
    const message = /^([a-zA-Z][\w-]*)\s*=/.exec(line);
    if (message?.[1]) {
      current = message[1];
      keys.push(current);
      continue;
    }
    if (/^\S/.test(line)) {
      current = undefined; // a comment or a term ends the previous message
      continue;
    }
    const attribute = /^\s+\.([a-zA-Z][\w-]*)\s*=/.exec(line);
    if (current && attribute?.[1]) keys.push(`${current}.${attribute[1]}`);
  }
  return keys.sort();
}
