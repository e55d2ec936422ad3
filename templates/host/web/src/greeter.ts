import type { Provider } from "@loop-kit/web-host";

// This page's own capability: `myapp:greeter/greeter` (wit/greeter.wit), provided in TypeScript.
// A provider names the WIT interfaces it provides (as jco names imports: no version) and binds
// them for one component instance; the functions take and return what jco maps the WIT types to
// (string → string, u32 → number). `bind` runs once per instance, so `count` is per instance.

/** The greeter of the `app` page. */
export function greeter(app: string): Provider {
  return {
    capability: "greeter",
    interfaces: ["myapp:greeter/greeter"],
    bind() {
      let count = 0;
      return {
        "myapp:greeter/greeter": {
          greet(name: string): string {
            count += 1;
            return `Hello, ${name || "stranger"}! (greeting ${count} from the ${app} page)`;
          },
          count(): number {
            return count;
          },
        },
      };
    },
  };
}
