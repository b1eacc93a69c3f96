// The gallery page: polls /api/state, lists the sources, shows one of them in full, and
// uploads dropped or chosen files through PUT /api/upload. Plain DOM, no framework, and
// every text from the buckets goes in through textContent, never as HTML.

const pollMs = 1000;

const view = {
  state: undefined,
  selectedKey: decodeURIComponent(location.hash.replace(/^#source=/, '')) || undefined,
  /** What the detail pane was last drawn from, so that it is redrawn only on a change. */
  detailDrawnFrom: '',
  listDrawnFrom: '',
};

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function objectUrl(role, key, version = '') {
  const query = new URLSearchParams({ bucket: role, key });
  if (version) query.set('v', version);
  return `/api/object?${query}`;
}

function formatBytes(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1000 * 1000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1000 / 1000).toFixed(2)} MB`;
}

function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

const statusText = {
  processed: 'processed',
  rejected: 'rejected',
  waiting: 'waiting',
  failed: 'failed',
};

function badge(status) {
  return el('span', { class: `badge badge-${status}` }, statusText[status] ?? status);
}

// ---- the list of sources ----------------------------------------------------------------

function drawSources(state) {
  const drawnFrom = JSON.stringify([state.sources, view.selectedKey]);
  if (drawnFrom === view.listDrawnFrom) return;
  view.listDrawnFrom = drawnFrom;

  document.getElementById('source-count').textContent = `(${state.sources.length})`;
  const list = document.getElementById('sources');
  const items = state.sources.map((source) => {
    const thumbnail = source.thumbnailKey
      ? el('img', {
          src: objectUrl('destination', source.thumbnailKey, source.recordEtag),
          alt: '',
        })
      : el('span', { class: `thumb-placeholder thumb-${source.status}` });
    return el(
      'li',
      {
        class: source.key === view.selectedKey ? 'source selected' : 'source',
        'data-key': source.key,
        'data-status': source.status,
      },
      el(
        'a',
        { href: `#source=${encodeURIComponent(source.key)}` },
        el('span', { class: 'thumb' }, thumbnail),
        el(
          'span',
          { class: 'source-text' },
          el('span', { class: 'source-key' }, source.key),
          el(
            'span',
            { class: 'source-meta' },
            badge(source.status),
            ` ${formatBytes(source.bytes)} · ${formatTime(source.uploadedAt)}`,
          ),
          source.reason && el('span', { class: 'source-reason' }, source.reason),
        ),
      ),
    );
  });
  if (items.length === 0) {
    items.push(el('li', { class: 'none' }, 'Nothing in the source bucket yet.'));
  }
  list.replaceChildren(...items);
}

function drawDeadLetters(state) {
  const section = document.getElementById('dead-letters');
  const { count, shown } = state.deadLetters;
  section.hidden = count === 0;
  if (count === 0) return;
  section.querySelector('h2').textContent =
    `Dead-letter queue: ${count} message${count === 1 ? '' : 's'}`;
  document
    .getElementById('dead-letter-list')
    .replaceChildren(
      ...shown.map((letter) =>
        el(
          'li',
          { 'data-message-id': letter.messageId },
          el('strong', {}, letter.keys.length > 0 ? letter.keys.join(', ') : letter.messageId),
          el('span', { class: 'dead-reason' }, letter.reason),
          el(
            'span',
            { class: 'dead-meta' },
            [
              letter.attempts && `${letter.attempts} failed attempts`,
              letter.sentAt && `sent ${formatTime(letter.sentAt)}`,
              `message ${letter.messageId}`,
            ]
              .filter(Boolean)
              .join(' · '),
          ),
        ),
      ),
      count > shown.length
        ? el('li', { class: 'none' }, `…and ${count - shown.length} more not shown`)
        : '',
    );
}

// ---- one source in full ----------------------------------------------------------------

async function drawDetail(state) {
  const detail = document.getElementById('detail');
  const source = state.sources.find((candidate) => candidate.key === view.selectedKey);
  const drawnFrom = JSON.stringify(source ?? view.selectedKey ?? '');
  if (drawnFrom === view.detailDrawnFrom) return;
  view.detailDrawnFrom = drawnFrom;

  if (!source) {
    detail.replaceChildren(
      el(
        'p',
        { class: 'empty' },
        view.selectedKey
          ? `${view.selectedKey} is not in the source bucket.`
          : 'Choose an image on the left, or drop one in.',
      ),
    );
    return;
  }

  let record;
  if (source.recordKey) {
    const response = await fetch(objectUrl('destination', source.recordKey, source.recordEtag));
    if (response.ok) record = await response.json();
  }
  if (view.detailDrawnFrom !== drawnFrom) return; // the selection moved on meanwhile
  detail.replaceChildren(...detailOf(source, record));
}

function detailOf(source, record) {
  const heading = el(
    'header',
    { class: 'detail-head' },
    el('h2', {}, source.key),
    el(
      'p',
      {},
      badge(source.status),
      ` ${formatBytes(source.bytes)} uploaded ${formatTime(source.uploadedAt)}`,
    ),
  );
  const parts = [heading];
  if (source.status === 'waiting') {
    parts.push(
      el(
        'p',
        { class: 'notice notice-waiting' },
        'Waiting: the object is in the source bucket and its event is on the queue; ' +
          'this page updates by itself when the record is written.',
      ),
    );
  }
  if (source.reason) {
    parts.push(
      el(
        'p',
        { class: `notice notice-${source.status}` },
        el('strong', {}, source.status === 'rejected' ? 'Rejected: ' : 'Failed: '),
        source.reason,
      ),
    );
  }

  const image = record?.status === 'processed' ? record.image : undefined;
  const original = figure({
    title: 'original',
    src: objectUrl('source', source.key, source.etag),
    lines: [
      image ? `${image.width} × ${image.height}` : undefined,
      image ? image.format.toUpperCase() : undefined,
      formatBytes(source.bytes),
    ],
    fallback: 'The browser cannot show this file itself.',
  });

  if (record?.status !== 'processed') {
    parts.push(el('div', { class: 'copies copies-original' }, original));
  } else {
    const version = source.recordEtag;
    const outputFigure = (output) =>
      figure({
        title: output.name,
        src: objectUrl('destination', output.key, version),
        lines: [`${output.width} × ${output.height}`, formatBytes(output.bytes)],
      });
    const pixelated = record.outputs.filter((output) => output.name.startsWith('pixelated-'));
    const others = record.outputs.filter((output) => !output.name.startsWith('pixelated-'));
    parts.push(
      el('h3', {}, 'Original and pixelated copies'),
      el('div', { class: 'copies copies-pixelated' }, original, pixelated.map(outputFigure)),
      el('h3', {}, 'Resized copies'),
      el('div', { class: 'copies copies-resized' }, others.map(outputFigure)),
    );
  }

  if (record) parts.push(el('h3', {}, 'Metadata record'), ...recordOf(record));
  return parts;
}

function figure({ title, src, lines, fallback }) {
  const image = el('img', { src, alt: title, loading: 'lazy' });
  const frame = el('a', { class: 'frame', href: src, target: '_blank', rel: 'noopener' }, image);
  if (fallback) {
    image.addEventListener('error', () =>
      frame.replaceChildren(el('span', { class: 'no-preview' }, fallback)),
    );
  }
  return el(
    'figure',
    { class: 'copy' },
    frame,
    el(
      'figcaption',
      {},
      el('strong', {}, title),
      el('span', {}, lines.filter(Boolean).join(' · ')),
    ),
  );
}

function fields(title, rows) {
  return el(
    'section',
    { class: 'card' },
    el('h4', {}, title),
    el(
      'dl',
      {},
      rows
        .filter(([, value]) => value !== undefined && value !== '')
        .map(([name, value]) => [el('dt', {}, name), el('dd', {}, String(value))]),
    ),
  );
}

function recordOf(record) {
  const { source } = record;
  const cards = [
    fields('Source', [
      ['bucket', source.bucket],
      ['key', source.key],
      ['bytes', `${source.bytes.toLocaleString()} (${formatBytes(source.bytes)})`],
      ['ETag', source.etag],
      ['version', source.versionId],
      ['sequencer', source.sequencer],
    ]),
    fields('Run', [
      ['status', record.status],
      ['recipe', `${record.recipe.name} (${record.recipe.hash})`],
      ['pixelater', record.pixelater.version],
      ['processed at', formatTime(record.processedAt)],
      ['record schema', record.schemaVersion],
    ]),
  ];

  if (record.status === 'rejected') {
    cards.push(
      fields('Rejection', [
        ['check', record.rejection.check],
        ['reason', record.rejection.reason],
      ]),
    );
  } else {
    const { image } = record;
    cards.push(
      fields('Image', [
        ['format', `${image.format} (${image.mimeType})`],
        ['size as shown', `${image.width} × ${image.height}`],
        ['size as stored', `${image.storedWidth} × ${image.storedHeight}`],
        ['orientation', image.orientation],
        ['colour space', image.colourSpace],
        ['channels', image.channels],
        ['bit depth', image.bitDepth],
        ['alpha', image.hasAlpha ? 'yes' : 'no'],
        ['ICC profile', image.hasIccProfile ? 'yes' : 'no'],
        ['frames', image.frames],
      ]),
      fields(
        'Timings',
        Object.entries(record.timingsMs ?? {}).map(([step, ms]) => [step, `${ms} ms`]),
      ),
    );
  }

  const parts = [el('div', { class: 'cards' }, cards)];
  if (record.status === 'processed') {
    parts.push(
      el(
        'table',
        { class: 'outputs' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ['output', 'format', 'size', 'bytes'].map((name) => el('th', {}, name)),
          ),
        ),
        el(
          'tbody',
          {},
          record.outputs.map((output) =>
            el(
              'tr',
              {},
              el('td', {}, output.name),
              el('td', {}, output.contentType),
              el('td', {}, `${output.width} × ${output.height}`),
              el('td', { title: `${output.bytes} bytes` }, formatBytes(output.bytes)),
            ),
          ),
        ),
      ),
    );
  }
  parts.push(
    el(
      'details',
      { class: 'raw' },
      el('summary', {}, 'Raw JSON'),
      el('pre', {}, JSON.stringify(record, null, 2)),
    ),
  );
  return parts;
}

// ---- uploads ---------------------------------------------------------------------------

async function upload(files) {
  const list = document.getElementById('uploads');
  // LIMITATION: a file is keyed by its name alone (browsers give no folder for a dropped
  // file), so dropping a file with the name of an existing source replaces that source.
  for (const file of files) {
    const row = el('li', { 'data-name': file.name }, `uploading ${file.name}…`);
    list.prepend(row);
    try {
      const response = await fetch(`/api/upload?${new URLSearchParams({ key: file.name })}`, {
        method: 'PUT',
        headers: { 'content-type': file.type || 'application/octet-stream' },
        body: file,
      });
      if (!response.ok) throw new Error((await response.json()).error);
      row.textContent = `uploaded ${file.name} (${formatBytes(file.size)})`;
      row.className = 'done';
      location.hash = `source=${encodeURIComponent(file.name)}`;
    } catch (error) {
      row.textContent = `${file.name}: upload failed: ${error.message}`;
      row.className = 'error';
    }
  }
  await refresh();
}

function wireUploads() {
  const drop = document.getElementById('drop');
  const picker = document.getElementById('picker');
  picker.addEventListener('change', () => {
    upload([...picker.files]);
    picker.value = '';
  });
  for (const name of ['dragenter', 'dragover']) {
    drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add('over');
    });
  }
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    upload([...(event.dataTransfer?.files ?? [])]);
  });
}

// ---- polling ---------------------------------------------------------------------------

async function refresh() {
  const live = document.getElementById('live');
  try {
    const response = await fetch('/api/state');
    if (!response.ok) throw new Error((await response.json()).error);
    const state = await response.json();
    view.state = state;
    document.getElementById('buckets').textContent =
      `${state.sourceBucket} → ${state.destinationBucket}`;
    drawSources(state);
    drawDeadLetters(state);
    await drawDetail(state);
    live.textContent = `live · updated ${new Date().toLocaleTimeString()}`;
    live.className = 'live';
  } catch (error) {
    live.textContent = `not connected: ${error.message}`;
    live.className = 'live offline';
  }
}

async function poll() {
  await refresh();
  setTimeout(poll, pollMs);
}

window.addEventListener('hashchange', () => {
  view.selectedKey = decodeURIComponent(location.hash.replace(/^#source=/, '')) || undefined;
  if (view.state) {
    drawSources(view.state);
    drawDetail(view.state);
  }
});

wireUploads();
poll();
