// Runs the script of an `actions/github-script` step the way the action does (an async
// function of `github`, `context`, `core` and `require`), with a stand-in for GitHub's REST
// API: the repository's issues and comments, kept in a JSON file between runs.
//
// node github_script.js SCRIPT STORE
const fs = require('fs');

const [scriptFile, storeFile] = process.argv.slice(2);
const store = fs.existsSync(storeFile)
  ? JSON.parse(fs.readFileSync(storeFile, 'utf8'))
  : { issues: [], comments: [], next: 1 };
const save = () => fs.writeFileSync(storeFile, JSON.stringify(store, null, 2));
const find = (number) => {
  const issue = store.issues.find((i) => i.number === number);
  if (!issue) throw new Error(`HttpError: Not Found (issue ${number})`);
  return issue;
};
const issues = {
  listForRepo: async ({ state = 'open', labels }) => ({
    data: store.issues.filter((i) => (state === 'all' || i.state === state)
      && (!labels || labels.split(',').every((l) => i.labels.includes(l)))),
  }),
  create: async ({ title, body, labels = [] }) => {
    if (!title) throw new Error('HttpError: title is required');
    const issue = { number: store.next++, title, body, labels, state: 'open' };
    store.issues.push(issue);
    save();
    return { data: issue };
  },
  update: async ({ issue_number, ...fields }) => {
    const issue = find(issue_number);
    for (const k of ['title', 'body', 'state', 'state_reason']) {
      if (fields[k] !== undefined) issue[k] = fields[k];
    }
    save();
    return { data: issue };
  },
  createComment: async ({ issue_number, body }) => {
    find(issue_number);
    store.comments.push({ issue_number, body });
    save();
    return { data: {} };
  },
};
const github = { rest: { issues }, paginate: async (fn, params) => (await fn(params)).data };
const [owner, repo] = process.env.GITHUB_REPOSITORY.split('/');
const context = { repo: { owner, repo }, serverUrl: 'https://github.com', runId: 4242, issue: {} };
const core = { setFailed: (m) => { console.error(m); process.exitCode = 1; } };
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
new AsyncFunction('github', 'context', 'core', 'require', fs.readFileSync(scriptFile, 'utf8'))(github, context, core, require)
  .catch((e) => { console.error(e); process.exit(1); });
