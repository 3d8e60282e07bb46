import { Decrypter } from "age-encryption";
import { parseFragment, previewKind, refusal } from "./link";

const status = document.getElementById("status") as HTMLParagraphElement;
const title = document.getElementById("name") as HTMLHeadingElement;
const view = document.getElementById("view") as HTMLDivElement;
const save = document.getElementById("save") as HTMLAnchorElement;

function say(text: string, failed = false) {
  status.textContent = text;
  status.className = failed ? "failed" : "";
  document.body.dataset.state = failed ? "failed" : "working";
}

async function open() {
  const link = parseFragment(location.hash, location.origin);
  if (!link) {
    say("This link is damaged: part of it is missing or was changed. Ask for the link again.", true);
    return;
  }
  title.textContent = link.name;
  document.title = link.name;
  say("Downloading…");
  let response: Response;
  try {
    response = await fetch(link.url, { cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" });
  } catch {
    say("The storage cannot be reached. Try again later.", true);
    return;
  }
  if (!response.ok) {
    say(refusal(response.status, await response.text()), true);
    return;
  }
  const sealed = new Uint8Array(await response.arrayBuffer());
  say("Decrypting…");
  let plain: Uint8Array;
  try {
    const decrypter = new Decrypter();
    decrypter.addIdentity(link.key);
    plain = await decrypter.decrypt(sealed);
  } catch {
    say("This link is damaged: the file cannot be decrypted with its key. Ask for the link again.", true);
    return;
  }
  const blob = new Blob([plain as BlobPart], { type: link.type });
  const url = URL.createObjectURL(blob);
  save.href = url;
  save.download = link.name;
  save.hidden = false;
  const kind = previewKind(link.type);
  if (kind === "image") {
    const img = document.createElement("img");
    img.alt = link.name;
    img.src = url;
    view.append(img);
  } else if (kind === "pdf") {
    const frame = document.createElement("iframe");
    frame.title = link.name;
    frame.src = url;
    view.append(frame);
  } else if (kind === "text") {
    const pre = document.createElement("pre");
    pre.textContent = new TextDecoder().decode(plain.subarray(0, 2 << 20));
    view.append(pre);
  }
  say(kind === "none" ? "No preview for this kind of file: save it to open it." : "");
  document.body.dataset.state = "shown";
}

void open();
