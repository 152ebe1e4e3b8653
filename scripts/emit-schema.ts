// Writes the SDL of the schema to schema/schema.graphql (committed; CI checks it is current).
import { writeFileSync } from "node:fs";
import { lexicographicSortSchema, printSchema } from "graphql";
import { getSchema } from "../src/graphql/schema.js";

const schema = await getSchema();
writeFileSync(new URL("../schema/schema.graphql", import.meta.url), printSchema(lexicographicSortSchema(schema)) + "\n");
console.log("schema/schema.graphql written");
