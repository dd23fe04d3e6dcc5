// Opens a rendered report in headless Chromium and reports, as one JSON document on stdout,
// what a reader's browser would see: console errors, every request made, dialogs, the page
// heading, and the order of the configuration table after clicking column headers.
//
// Usage: node check-report.js NODE_MODULES REPORT_HTML SCREENSHOT_PNG USER_DATA_DIR
"use strict";

const path = require("path");
const { pathToFileURL } = require("url");

async function main() {
  const [nodeModules, reportPath, screenshotPath, userDataDir] = process.argv.slice(2);
  const { chromium } = require(path.join(nodeModules, "playwright-core"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const observed = { consoleErrors: [], requests: [], dialogs: [] };
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on("console", (msg) => {
      if (msg.type() === "error" || msg.type() === "warning") {
        observed.consoleErrors.push(`${msg.type()}: ${msg.text()}`);
      }
    });
    page.on("pageerror", (err) => observed.consoleErrors.push(`pageerror: ${err.message}`));
    page.on("request", (req) => observed.requests.push(req.url()));
    page.on("dialog", async (dialog) => {
      observed.dialogs.push(dialog.message());
      await dialog.dismiss();
    });

    const url = pathToFileURL(reportPath).href;
    observed.url = url;
    await page.goto(url, { waitUntil: "load" });
    await page.screenshot({ path: screenshotPath, fullPage: true });

    observed.heading = await page.locator("h1").innerText();
    observed.verdict = await page.locator("#verdict").innerText();
    observed.svgCount = await page.locator("figure svg").count();

    const table = page.locator("#configurations-table");
    const column = async (name) => {
      const headers = await table.locator("thead th").allInnerTexts();
      const index = headers.findIndex((h) => h.replace(/[\u2191\u2193]/g, "").trim() === name);
      if (index < 0) throw new Error(`no column ${name} in ${headers}`);
      return table
        .locator(`tbody tr td:nth-child(${index + 1})`)
        .evaluateAll((cells) => cells.map((c) => c.getAttribute("data-value")));
    };
    const click = (name) => table.locator("thead th", { hasText: name }).first().click();

    observed.rowsBefore = await column("memory (MB)");
    await click("trimmed mean (ms)");
    observed.trimmedAscending = await column("trimmed mean (ms)");
    observed.ariaSortAfterOneClick = await table
      .locator("thead th", { hasText: "trimmed mean (ms)" })
      .first()
      .getAttribute("aria-sort");
    await click("trimmed mean (ms)");
    observed.trimmedDescending = await column("trimmed mean (ms)");
    await click("architecture");
    observed.architectureAscending = await column("architecture");
  } finally {
    await context.close();
  }
  process.stdout.write(JSON.stringify(observed));
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
