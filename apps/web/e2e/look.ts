import { openBrowser, screenshot, drawn } from './harness.js';
const url = process.argv[2];
const b = await openBrowser(Number(process.argv[3] ?? 1440), Number(process.argv[4] ?? 900));
try {
  await b.page.goto(url);
  await b.page.waitForTimeout(2500);
  await screenshot(b.page, 'dbg-rec');
  console.log(await drawn(b.page));
  await b.page.mouse.move(700, 300);
  await b.page.waitForTimeout(300);
  await b.page.mouse.click(700, 300);
  await b.page.waitForTimeout(500);
  await screenshot(b.page, 'dbg-rec2');
  console.log(b.errors);
} finally { await b.close(); }
