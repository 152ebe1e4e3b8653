import { readFileSync } from "node:fs";

export const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);
export const fixtureBase64 = (name: string) => readFileSync(fixture(name)).toString("base64");
export const fixtureJson = <T = unknown>(name: string): T => JSON.parse(readFileSync(fixture(name), "utf8"));
