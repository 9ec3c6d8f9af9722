// Bundles the widget's front end into the Python package (realtime_widget/static/).
import { build } from "esbuild";

const watch = process.argv.includes("--watch");
const options = {
  entryPoints: ["src/index.ts", "src/styles.css"],
  bundle: true,
  format: "esm",
  minify: !watch,
  sourcemap: watch ? "inline" : false,
  target: ["es2022"],
  outdir: "../realtime_widget/static",
  entryNames: "widget",
  logLevel: "info",
};
await build(options);
