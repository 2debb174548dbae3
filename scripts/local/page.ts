// The local environment's click-to-call page in headless Chromium, as a visitor sees it: what it offers, and
// optionally a screenshot. npm run -s local:page [-- --screenshot FILE] [-- --nat]
import { spawnSync } from "child_process";
import * as path from "path";
import { launchBrowser } from "./browser";

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const at = args.indexOf("--screenshot");
    const screenshot = at >= 0 ? path.resolve(args[at + 1] ?? "click-to-call.png") : undefined;
    const root = path.resolve(__dirname, "../..");
    const out = spawnSync("bash", ["scripts/local-env.sh", "outputs", ...(args.includes("--nat") ? ["--nat"] : [])], { cwd: root, encoding: "utf8" });
    if (out.status !== 0) throw new Error(`no local environment: ${out.stderr.trim() || "run npm run up:local first"}`);
    const o = JSON.parse(out.stdout) as { clickToCallUrl?: string; caCertPem: string; dnsServer: string };
    if (!o.clickToCallUrl) throw new Error("the local stack has no click-to-call page (clickToCall.enabled)");
    const b = await launchBrowser({ caCertPem: o.caCertPem, dnsServer: o.dnsServer });
    try {
        const page = await b.browser.newPage({ viewport: { width: 720, height: 420 } });
        await page.goto(o.clickToCallUrl);
        await page.waitForSelector("#state[data-state=idle]");
        const buttons = await page.locator("button.call").evaluateAll((bs) => bs.map((x) => `${x.textContent} → ${(x as HTMLElement).dataset.uri}`));
        const expires = await page.evaluate(() => (window as unknown as { CLICK_TO_CALL_CONFIG: { expires: number } }).CLICK_TO_CALL_CONFIG.expires);
        console.log(`page        ${o.clickToCallUrl} (${await page.title()})`);
        console.log(`buttons     ${buttons.join(", ")}`);
        console.log(`state       ${await page.textContent("#state")}`);
        console.log(`config.js   credentials until ${new Date(expires * 1000).toISOString()}`);
        if (screenshot) {
            await page.screenshot({ path: screenshot });
            console.log(`screenshot  ${screenshot}`);
        }
    } finally {
        await b.close();
    }
}

main().catch((e: Error) => {
    console.error(`local:page: ${e.message}`);
    process.exit(1);
});
