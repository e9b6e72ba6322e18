// www.foobar.com: list posts (newest first) and post new ones through /api/posts.
// Plain JavaScript, no framework, no build step. Text goes into the page with
// textContent only, never as HTML.
'use strict';

const PAGE = 20;
const list = document.getElementById('posts');
const statusLine = document.getElementById('status');
const more = document.getElementById('more');
const form = document.getElementById('post-form');
const author = document.getElementById('author');
const body = document.getElementById('body');
const counter = document.getElementById('counter');
const submit = document.getElementById('submit');
const formError = document.getElementById('form-error');
const shown = new Set();
let oldest = null;

function formatDate(iso) {
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString();
}

function renderPost(post) {
  const li = document.createElement('li');
  li.className = 'post';
  li.dataset.id = post.id;
  const head = document.createElement('div');
  head.className = 'post-head';
  const who = document.createElement('strong');
  who.textContent = post.author;
  const when = document.createElement('time');
  when.dateTime = post.created_at;
  when.textContent = formatDate(post.created_at);
  head.append(who, ' · ', when);
  const text = document.createElement('p');
  text.className = 'post-body';
  text.textContent = post.body;
  li.append(head, text);
  return li;
}

async function errorMessage(response) {
  try {
    const data = await response.json();
    if (data && data.error) return data.error;
  } catch (_) { /* not JSON */ }
  return `HTTP ${response.status}`;
}

async function load(before) {
  const url = `/api/posts?limit=${PAGE}` + (before ? `&before=${before}` : '');
  statusLine.hidden = false;
  statusLine.textContent = 'Loading…';
  try {
    // credentials: the read-your-writes cookie goes along, so our own posts always show.
    const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(await errorMessage(response));
    const { posts } = await response.json();
    for (const post of posts) {
      if (shown.has(post.id)) continue;
      shown.add(post.id);
      list.append(renderPost(post));
      if (oldest === null || post.id < oldest) oldest = post.id;
    }
    more.hidden = posts.length < PAGE;
    statusLine.hidden = list.children.length > 0;
    statusLine.textContent = list.children.length ? '' : 'No posts yet. Be the first!';
  } catch (e) {
    statusLine.hidden = false;
    statusLine.textContent = `Could not load posts: ${e.message}`;
  }
}

function showFormError(message) {
  formError.textContent = message;
  formError.hidden = !message;
}

body.addEventListener('input', () => {
  counter.textContent = `${[...body.value].length} / 4000`;
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  showFormError('');
  const payload = { author: author.value.trim(), body: body.value };
  if (!payload.author || !payload.body.trim()) {
    showFormError('Please enter your name and a message.');
    return;
  }
  submit.disabled = true;
  try {
    const response = await fetch('/api/posts', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(payload),
    });
    if (!response.ok) {
      const retry = response.headers.get('Retry-After');
      const msg = await errorMessage(response);
      showFormError(retry ? `${msg} (try again in ${retry} s)` : msg);
      return;
    }
    const post = await response.json();
    // The new post appears at once, at the top.
    if (!shown.has(post.id)) {
      shown.add(post.id);
      list.prepend(renderPost(post));
    }
    statusLine.hidden = true;
    body.value = '';
    counter.textContent = '0 / 4000';
    localStorage.setItem('foobar.author', payload.author);
  } catch (e) {
    showFormError(`Could not post: ${e.message}`);
  } finally {
    submit.disabled = false;
  }
});

more.addEventListener('click', () => load(oldest));

author.value = localStorage.getItem('foobar.author') || '';
load(null);
