// axe-core (npm, a devDependency) run inside a page: WCAG 2.0, 2.1 and 2.2
// A and AA rules over the page as it is now. Each page state a test wants
// checked is checked where it happens, so hidden screens are covered when
// they are shown.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * The axe violations of `page` as readable lines ("rule: target – help"),
 * empty when there are none. `state` names the page state in messages.
 */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(source);
  }
  const result = await page.evaluate(async (tags) => {
    // The page's own animations (a highlight, a spinner) must not catch axe
    // between two colours.
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  }, WCAG_TAGS);
  return result.map((v) => `${v.id}: ${v.targets.join(', ')} – ${v.help}`);
}

/** Fails with the violations of `page` in the named state. */
export async function assertAccessible(page, state) {
  const violations = await axeViolations(page);
  if (violations.length) {
    throw new Error(`axe found ${violations.length} violation(s) in ${state}:\n  ${violations.join('\n  ')}`);
  }
}
