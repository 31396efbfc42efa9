// Drives headless Chromium (playwright-core) against a running code-server that has the dockls
// extension installed, and checks from what the page shows: the Problems panel lists dockls'
// findings, hovering the image on FROM shows its size, and a quick fix picked in the UI
// changes the file on disk. Called by run.sh, which passes everything through the environment.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run this through run.sh)`);
  return value;
};
const { chromium } = createRequire(path.join(env('DOCKLS_E2E_PLAYWRIGHT_DIR'), 'package.json'))('playwright-core');
const url = env('DOCKLS_E2E_URL');
const artifacts = env('DOCKLS_E2E_ARTIFACTS');
const dockerfile = env('DOCKLS_E2E_DOCKERFILE');
const profile = env('DOCKLS_E2E_BROWSER_PROFILE');
const headed = process.env.DOCKLS_E2E_HEADED === '1';

// VS Code renders spaces as U+00A0 in the editor and spreads text over many nodes.
const flat = (text) => text.replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
const failures = [];
const check = (ok, what, seen) => {
  console.log(`${ok ? 'PASS' : 'FAIL'}: ${what}`);
  if (!ok) {
    console.log(`      page showed: ${seen.slice(0, 600)}`);
    failures.push(what);
  }
};
let stepStart = Date.now();
const timings = {};
const stepDone = (name) => {
  timings[name] = Date.now() - stepStart;
  console.log(`   ${name}: ${(timings[name] / 1000).toFixed(1)} s`);
  stepStart = Date.now();
};

fs.mkdirSync(artifacts, { recursive: true });
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.DOCKLS_E2E_CHROMIUM || '/usr/bin/chromium',
  headless: !headed,
  viewport: { width: 1400, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic',
    // nothing but code-server on the loopback is reachable from the page
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
});
const page = context.pages()[0] ?? await context.newPage();
const shot = (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });

try {
  stepDone('browser launch');
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.monaco-workbench .part.editor', { timeout: 90_000 });
  const explorerRow = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'Dockerfile' }).first();
  await explorerRow.waitFor({ timeout: 60_000 });
  stepDone('workbench ready');

  await explorerRow.click();
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.locator('.view-line', { hasText: 'FROM' }).first().waitFor({ timeout: 30_000 });
  await editor.locator('.squiggly-warning, .squiggly-error, .squiggly-info').first().waitFor({ timeout: 60_000 });
  stepDone('Dockerfile open, first squiggle');
  await shot('1-editor');

  // (1) The Problems panel lists dockls' findings with their rule ids.
  await page.keyboard.press('Control+Shift+M');
  const markers = page.locator('.markers-panel');
  const expectedFindings = ['DKL001', 'DKL022', 'DKL052'];
  try {
    await page.waitForFunction(
      (ids) => { const panel = document.querySelector('.markers-panel'); return panel && ids.every((id) => panel.innerText.includes(id)); },
      expectedFindings, { timeout: 30_000 });
  } catch { /* the check below reports what was shown */ }
  await page.waitForTimeout(300);
  const problems = flat(await markers.innerText().catch(() => ''));
  await shot('problems');
  check(problems.includes('dockls') && expectedFindings.every((id) => problems.includes(id))
    && problems.includes('consecutive RUN instructions') && problems.includes('411 MB'),
  `Problems panel lists dockls findings ${expectedFindings.join(', ')}`, problems);
  stepDone('problems panel');

  // (2) Hovering the image on the FROM line shows the server's hover with the download size.
  await page.keyboard.press('Escape');
  const image = editor.locator('.view-line', { hasText: 'FROM' }).first().locator('span span', { hasText: 'python' }).first();
  const box = await image.boundingBox();
  if (!box) throw new Error('the image name on the FROM line is not visible');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const hover = page.locator('.monaco-hover', { hasText: 'Download' }).first();
  let hoverText = '';
  try {
    await hover.waitFor({ state: 'visible', timeout: 15_000 });
    await page.waitForTimeout(500); // the hover fades in
    hoverText = flat(await hover.innerText());
    // The finding's message comes first in the hover: scroll the image's part into view for the
    // screenshot, with the wheel over the hover (which keeps it open).
    const hoverBox = await hover.boundingBox();
    const imagePart = hover.locator('strong, b, code', { hasText: 'python:3.12' }).last();
    if (hoverBox) {
      await page.mouse.move(hoverBox.x + hoverBox.width / 2, hoverBox.y + 10);
      for (let step = 0; step < 20; step += 1) {
        const partBox = await imagePart.boundingBox();
        if (!partBox || partBox.y - hoverBox.y < 30) break;
        await page.mouse.wheel(0, Math.min(100, partBox.y - hoverBox.y - 10));
        await page.waitForTimeout(150);
      }
    }
  } catch { hoverText = flat(await page.locator('.monaco-hover').first().innerText().catch(() => '(no hover)')); }
  await shot('hover');
  check(hoverText.includes('python:3.12') && /Download: 411 MB/.test(hoverText),
    'hover on FROM shows the image and its download size (411 MB)', hoverText);
  stepDone('hover');

  // (3) A quick fix applied through the UI changes the file: merge the two RUNs.
  await page.mouse.move(5, 5);
  await page.keyboard.press('Escape');
  const secondRun = editor.locator('.view-line', { hasText: 'RUN pip install' }).first();
  const runBox = await secondRun.boundingBox();
  if (!runBox) throw new Error('the second RUN line is not visible');
  await page.mouse.click(runBox.x + 2, runBox.y + runBox.height / 2);
  await page.keyboard.press('Home');
  await page.keyboard.press('Control+.');
  const mergeTitle = 'Merge the 2 RUN instructions into one';
  const menu = page.locator('.action-widget').first();
  let menuText = '(no quick fix menu)';
  let merged = false;
  try {
    await menu.locator('.monaco-list-row', { hasText: mergeTitle }).first().waitFor({ state: 'visible', timeout: 15_000 });
    menuText = flat(await menu.innerText());
    await shot('quick-fix-menu');
    // choose with the keyboard: a click is intercepted by the menu's pointer-block overlay
    for (let step = 0; step < 10 && !merged; step += 1) {
      const focused = flat(await menu.locator('.monaco-list-row.focused').first().innerText().catch(() => ''));
      if (focused.includes(mergeTitle)) {
        await page.keyboard.press('Enter');
        merged = true;
      } else {
        await page.keyboard.press('ArrowDown');
      }
    }
  } catch { menuText = flat(await menu.innerText().catch(() => menuText)); }
  if (!merged) {
    await shot('quick-fix-menu');
    check(false, `quick fix menu offers "${mergeTitle}"`, menuText);
  } else {
    await page.waitForTimeout(300);
    await page.keyboard.press('Control+s');
    let onDisk = '';
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      onDisk = fs.readFileSync(dockerfile, 'utf8');
      if (!onDisk.includes('\nRUN pip install')) break;
      await page.waitForTimeout(200);
    }
    await shot('after-quick-fix');
    const runs = onDisk.split('\n').filter((line) => line.startsWith('RUN'));
    check(runs.length === 1 && /apt-get update[\s\S]*&&[\s\S]*pip install flask/.test(onDisk),
      'the "Merge" quick fix merged the two RUNs in the saved file', JSON.stringify(onDisk));
  }
  stepDone('quick fix');
} catch (error) {
  await shot('failure').catch(() => {});
  failures.push(`unexpected error: ${error.message.split('\n')[0]}`);
  console.log(`FAIL: ${error.stack}`);
} finally {
  await context.close();
}
fs.writeFileSync(path.join(artifacts, 'timings.json'), JSON.stringify(timings, null, 2));
if (failures.length) {
  console.log(`\ndockls VS Code e2e FAILED (${failures.length}): ${failures.join('; ')}; screenshots in ${artifacts}`);
  process.exit(1);
}
console.log(`\ndockls VS Code e2e passed; screenshots in ${artifacts}`);
