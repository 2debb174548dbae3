// Builds the click-to-call page: app.ts bundled with JsSIP into click-to-call.js, next to the HTML and CSS.
// node scripts/build-web.mjs [--outdir DIR]   (default components/web/page/dist)
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const page = join(dirname(fileURLToPath(import.meta.url)), "..", "components", "web", "page");
const { values } = parseArgs({ options: { outdir: { type: "string", default: join(page, "dist") } } });
const outdir = resolve(values.outdir);

mkdirSync(outdir, { recursive: true });
await build({
    entryPoints: [join(page, "app.ts")],
    outfile: join(outdir, "click-to-call.js"),
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["chrome100", "firefox100", "safari15"],
    minify: true,
    logLevel: "warning",
});
for (const file of ["index.html", "phone.html", "style.css"]) copyFileSync(join(page, file), join(outdir, file));
console.log(`click-to-call page built in ${outdir}`);
