// Drives headless Chromium (Debian's, through playwright-core) against a live waybilld serving
// the explorer (web/) on its REST listener. Run by tests/functional/rest_explorer_browser_test.py:
//
//   node explorer_test.mjs --base URL --expect FILE --chromium PATH --screenshot FILE
//
// FILE (JSON): {"asset", "timeline_kinds": [...], "lineage_nodes", "edge_labels": [...],
//               "new_claim": {"claim", "value"}}
// Talks to the Python side by lines on stdout ("READY_FOR_EVENT" when the page is live and the
// test should mine a block with a new attestation, "READY_FOR_RETRACT" when that block should
// leave the chain) and prints "PASS" at the end; any failed check prints "FAIL: ..." and exits
// 1. Every wait is bounded.
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const WAIT_MS = 20000;       // one step (page load, selector, live event)
const OVERALL_MS = 180000;   // the whole script

function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i + 1 < argv.length; i += 2) out[argv[i].replace(/^--/, "")] = argv[i + 1];
  for (const k of ["base", "expect", "chromium", "screenshot"]) {
    if (!out[k]) throw new Error(`missing --${k}`);
  }
  return out;
}

function check(cond, what) {
  if (!cond) throw new Error(what);
  console.log(`ok: ${what}`);
}

function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

async function timelineKinds(page) {
  return page.$$eval("#timeline > li.event", (lis) => lis.map((li) => li.getAttribute("data-kind")));
}

async function checkItemPage(page, exp) {
  await page.waitForSelector("#timeline", { timeout: WAIT_MS });
  const title = await page.textContent("#asset-title");
  check(title && title.trim().length > 0, `the item page has a title (${title})`);
  const kinds = await timelineKinds(page);
  check(same(kinds, exp.timeline_kinds),
        `timeline kinds ${JSON.stringify(kinds)} == ${JSON.stringify(exp.timeline_kinds)}`);

  const nodes = await page.$$eval("svg#lineage a.lineage-node", (as) => as.map((a) => a.getAttribute("data-asset")));
  check(nodes.length === exp.lineage_nodes, `lineage has ${nodes.length} nodes, expected ${exp.lineage_nodes}`);
  check(nodes.includes(exp.asset), "the lineage includes the item itself");
  const hrefs = await page.$$eval("svg#lineage a.lineage-node", (as) => as.map((a) => a.getAttribute("href")));
  check(hrefs.every((h, i) => h === `/asset/${nodes[i]}`), "each lineage node links to its page");
  const labels = (await page.$$eval("svg#lineage .edge-label", (ts) => ts.map((t) => t.textContent))).sort();
  check(same(labels, [...exp.edge_labels].sort()),
        `edge labels ${JSON.stringify(labels)} == ${JSON.stringify(exp.edge_labels)}`);
}

// The Digital Link: the URI printed under the QR; when the QR's SVG names the URI it encodes
// (a data-uri attribute), it must be the same one.
async function checkDigitalLink(page, base, exp) {
  const uri = await page.getAttribute("#digital-link", "href");
  check(typeof uri === "string" && /\/01\/\d{8,14}\/10\//.test(uri), `a Digital Link URI is printed (${uri})`);
  const qrSrc = await page.getAttribute("img#qr", "src");
  const qr = await page.request.get(new URL(qrSrc, base).toString(), { timeout: WAIT_MS });
  check(qr.status() === 200 && (qr.headers()["content-type"] || "").startsWith("image/svg+xml"),
        `the QR is an SVG (${qr.status()} ${qr.headers()["content-type"]})`);
  const svgText = await qr.text();
  const m = svgText.match(/data-uri="([^"]*)"/);
  if (m) check(m[1].replace(/&amp;/g, "&") === uri, "the QR encodes the printed URI");
  const loaded = await page.evaluate(() => {
    const img = document.getElementById("qr");
    return img.complete && img.naturalWidth > 0;
  });
  check(loaded, "the QR image rendered");
  await page.goto(uri, { timeout: WAIT_MS, waitUntil: "load" });
  check(new URL(page.url()).pathname === `/asset/${exp.asset}`, `the Digital Link lands on the item page (${page.url()})`);
  await page.waitForSelector("#timeline", { timeout: WAIT_MS });
}

async function checkLive(page, exp) {
  await page.waitForSelector("#live.live", { timeout: WAIT_MS });
  check(true, "the live indicator turned live");
  const before = (await timelineKinds(page)).length;
  console.log("READY_FOR_EVENT");
  // A locator wait, not waitForFunction: the page's CSP forbids the eval that one needs.
  await page.locator("#timeline > li.event").nth(before).waitFor({ timeout: WAIT_MS * 2 });
  const last = await page.$eval("#timeline > li.event:last-child",
                                (li) => ({ kind: li.getAttribute("data-kind"), text: li.textContent }));
  check(last.kind === "attest", `the new timeline entry is an attestation (${last.kind})`);
  check(last.text.includes(exp.new_claim.claim) && last.text.includes(exp.new_claim.value),
        "the new entry shows its claim and value");
  check(await page.locator("#timeline > li.retracted").count() === 0, "nothing is retracted yet");
  console.log("READY_FOR_RETRACT");
  const retracted = page.locator("#timeline > li.event.retracted");
  await retracted.first().waitFor({ timeout: WAIT_MS * 2 });
  check(await retracted.count() === 1, "one timeline entry is marked retracted");
  check(await retracted.first().getAttribute("data-kind") === "attest" &&
        (await retracted.first().textContent()).includes(exp.new_claim.value),
        "the retracted entry is the new attestation");
}

async function main() {
  const opts = args();
  const exp = JSON.parse(readFileSync(opts.expect, "utf8"));
  const browser = await chromium.launch({ executablePath: opts.chromium, headless: true,
                                          args: ["--no-sandbox", "--disable-gpu"], timeout: WAIT_MS });
  const errors = [];
  try {
    const page = await browser.newPage({ viewport: { width: 420, height: 900 } });  // a phone
    page.setDefaultTimeout(WAIT_MS);
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    // A 404 of a search candidate is logged by Chromium as a failed resource: expected.
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
        errors.push(`console: ${m.text()}`);
      }
    });
    const itemUrl = new URL(`/asset/${exp.asset}`, opts.base).toString();
    await page.goto(itemUrl, { timeout: WAIT_MS, waitUntil: "load" });
    await checkItemPage(page, exp);
    await checkDigitalLink(page, opts.base, exp);
    await checkLive(page, exp);
    await page.screenshot({ path: opts.screenshot, fullPage: true, timeout: WAIT_MS });
    console.log(`screenshot: ${opts.screenshot}`);

    await page.goto(new URL("/", opts.base).toString(), { timeout: WAIT_MS });
    await page.fill("#search-input", "ffff" + "0".repeat(60));
    await page.click("#search-form button");
    await page.waitForSelector(".message.not-found", { timeout: WAIT_MS });
    check(true, "an unknown id shows not found");
    await page.fill("#search-input", exp.asset);
    await page.click("#search-form button");
    await page.waitForURL(`**/asset/${exp.asset}`, { timeout: WAIT_MS });
    check(true, "searching the asset id opens its page");
    check(errors.length === 0, `no script errors (${errors.join("; ")})`);
  } catch (e) {
    // Keep what the page showed when a check failed, beside the artifact path.
    const failed = opts.screenshot.replace(/\.png$/, "") + "-failed.png";
    try {
      const pages = browser.contexts().flatMap((c) => c.pages());
      if (pages.length) {
        await pages[0].screenshot({ path: failed, fullPage: true, timeout: WAIT_MS });
        console.log(`screenshot of the failure: ${failed}`);
      }
    } catch (ignored) { /* the failure itself is what matters */ }
    throw e;
  } finally {
    await browser.close();
  }
}

const timer = setTimeout(() => {
  console.log(`FAIL: the browser test did not finish within ${OVERALL_MS} ms`);
  process.exit(1);
}, OVERALL_MS);
main().then(() => {
  clearTimeout(timer);
  console.log("PASS");
  process.exit(0);
}, (e) => {
  console.log(`FAIL: ${(e && e.message ? e.message : String(e)).split("\n")[0]}`);
  process.exit(1);
});
