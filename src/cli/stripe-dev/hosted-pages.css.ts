/** The hosted pages' stylesheet, served from the dev server itself (no external asset, no inline style). */
export const hostedPagesCss = `
*, *::before, *::after { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a1f36; background: #f6f8fa; }
.banner { background: #ffde92; color: #3d2800; padding: 0.5rem 1rem; text-align: center; }
.banner p { margin: 0; }
main { max-width: 34rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 0.5rem; box-shadow: 0 1px 3px rgb(0 0 0 / 0.15); }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h1 .where { font-size: 1rem; font-weight: normal; color: #4f566b; }
h2 { font-size: 1.25rem; margin: 0; }
.plan { border: 1px solid #d5dbe1; border-radius: 0.5rem; padding: 1rem; margin: 0 0 1rem; }
.amount { font-size: 1.25rem; font-weight: 600; margin: 0.25rem 0; }
.details div { display: flex; gap: 1rem; }
.details dt { font-weight: 600; min-width: 4rem; }
.details dd { margin: 0; overflow-wrap: anywhere; }
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; margin-top: 1rem; }
.actions form { margin: 0; }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: 0.6rem 1.2rem; border-radius: 0.375rem; border: 2px solid #4f3fd8; background: #4f3fd8; color: #fff; text-decoration: none; cursor: pointer; }
button.secondary, .button.secondary { background: #fff; color: #3a2db5; }
button.danger { background: #fff; color: #a4161a; border-color: #a4161a; }
button:focus-visible, .button:focus-visible, a:focus-visible { outline: 3px solid #1a1f36; outline-offset: 2px; }
.notice { background: #e6f4ea; color: #0b4f1f; border-radius: 0.375rem; padding: 0.75rem 1rem; }
`;
