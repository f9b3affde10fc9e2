/**
 * A sandboxed interpreter of the Jinja2 subset boot-action templates use.
 *
 * Drydock renders boot-action assets with an unsandboxed `jinja2.Template`; we do not. Templates
 * evaluate over plain data only: the context is copied into strings, numbers, booleans, null,
 * lists and string-keyed maps, and every attribute, method and filter is implemented here, so a
 * template never reaches a JavaScript object, prototype, function, the process or the host.
 * Names starting with `_` are refused as Jinja's own sandbox does. Work is bounded by a step
 * budget, a maximum output (and intermediate string) size and a nesting depth, so a template can
 * neither loop forever nor fill memory.
 *
 * Supported: `{{ expr }}`, `{% if/elif/else %}`, `{% for a[, b] in expr [if cond] %}` with
 * `loop.*` and `{% else %}`, `{% set %}`, `{% raw %}`, `{# comments #}`, whitespace control
 * (`{%-`, `-%}`), Python-style literals and operators, `is` tests and the filters in FILTERS.
 * Like Jinja's default Template, one trailing newline of the source is dropped and an undefined
 * value prints as the empty string (but an attribute of one is an error).
 *
 * Pure (no Node built-ins): design validation, which may run inside workflows, parses with it.
 */

export type { Template } from './ast';
export { renderTemplate } from './evaluate';
export { parseTemplate } from './parser';
export { DEFAULT_LIMITS, TemplateError, toValue, type TemplateLimits } from './sandbox';
