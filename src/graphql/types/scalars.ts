import { GraphQLError, GraphQLScalarType, Kind } from "graphql";

/** A string, an integer or a float: DeepAffects per-speaker values are any of these. */
export const BasicValueScalar = new GraphQLScalarType({
  name: "BasicValue",
  description: "A string, an integer or a floating-point number.",
  serialize(value) {
    if (typeof value === "string" || (typeof value === "number" && Number.isFinite(value))) return value;
    throw new GraphQLError("BasicValue must be a string or a finite number");
  },
  parseValue(value) {
    if (typeof value === "string" || (typeof value === "number" && Number.isFinite(value))) return value;
    throw new GraphQLError("BasicValue must be a string or a finite number");
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING) return ast.value;
    if (ast.kind === Kind.INT) return parseInt(ast.value, 10);
    if (ast.kind === Kind.FLOAT) return parseFloat(ast.value);
    throw new GraphQLError("BasicValue must be a string or a number literal");
  },
});
