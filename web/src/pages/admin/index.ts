// The administration pages, loaded as one chunk only by those who open them.
export { default as AdminHome } from './AdminHome.svelte';
export { default as Municipality } from './Municipality.svelte';
export { default as SchoolAdmin } from './SchoolAdmin.svelte';
export { default as PersonAdmin } from './PersonAdmin.svelte';
export { default as LoginServices } from './Login.svelte';
