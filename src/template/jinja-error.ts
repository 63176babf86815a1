/** A template that uses Jinja2 this subset does not cover, or a variable that is not defined. */
export class JinjaError extends Error {}
