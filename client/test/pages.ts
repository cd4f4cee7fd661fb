// The example agents' local site (form → result → done) is the client tests' site too.
export { FORM_PAGES } from '@lkbrowser/example-agents';
