// Bundles each widget entry in js/src/widgets/ to dlwidgets/static/ as ESM.
import { build, context } from "esbuild";
import { readdirSync } from "node:fs";

const entries = readdirSync("js/src/widgets")
  .filter((f) => f.endsWith(".ts") || f.endsWith(".css"))
  .map((f) => `js/src/widgets/${f}`);

const options = {
  entryPoints: entries,
  outdir: "dlwidgets/static",
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: !process.argv.includes("--watch"),
  sourcemap: false,
  // Some notebook front ends load require.js: never let the bundle see `define.amd`.
  define: { "define.amd": "false" },
  logLevel: "info",
};

if (process.argv.includes("--watch")) {
  const ctx = await context(options);
  await ctx.watch();
} else {
  await build(options);
}
