// The viewer's DOM outside the toolbar: the root element, the stage with the keyboard sink and the <video>, the
// audio elements; and how the session's state shows on them (classes, data attributes, the remote cursor).

export interface StageElements {
  root: HTMLElement;
  stage: HTMLElement;
  keySink: HTMLTextAreaElement;
  video: HTMLVideoElement;
}

export interface StageState {
  mine: boolean;
  holder: string | null;
  browser: string | null;
  cursor: string;
}

export function createStage(doc: Document, toolbar: HTMLElement | undefined): StageElements {
  const root = doc.createElement('div');
  root.className = 'lkb-viewer';
  if (toolbar) root.appendChild(toolbar);
  const stage = doc.createElement('div');
  stage.className = 'lkb-stage';
  const keySink = doc.createElement('textarea');
  keySink.className = 'lkb-keys';
  keySink.setAttribute('aria-label', 'keyboard input for the remote browser');
  keySink.autocomplete = 'off';
  keySink.spellcheck = false;
  keySink.setAttribute('autocapitalize', 'off');
  keySink.setAttribute('autocorrect', 'off');
  stage.appendChild(keySink);
  const video = doc.createElement('video');
  video.className = 'lkb-video';
  video.autoplay = true;
  video.muted = true; // audio plays through the separate browser-audio element
  video.playsInline = true;
  video.disablePictureInPicture = true;
  stage.appendChild(video);
  root.appendChild(stage);
  return { root, stage, keySink, video };
}

export function renderStage(el: StageElements, s: StageState): void {
  el.root.classList.toggle('lkb-has-focus', s.mine);
  el.root.dataset.focus = s.holder ?? '';
  el.root.dataset.browser = s.browser ?? '';
  el.video.style.cursor = s.cursor;
}
