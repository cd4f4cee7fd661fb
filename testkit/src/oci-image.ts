// A one-binary OCI image archive (image layout as a tar), for `ctr images import`: the test node's pod sandbox
// image is the pause binary built by scripts/tools/kubernetes.sh, so no registry is needed for it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface SingleBinaryImage {
  /** Full image name, e.g. lkb.local/pause:3.10.2 (becomes the io.containerd.image.name annotation). */
  name: string;
  binary: string;
  /** Path inside the image, e.g. /pause */
  path: string;
  user?: string;
}

interface Blob {
  digest: string;
  size: number;
}

function putBlob(layout: string, data: Buffer): Blob {
  const hex = createHash('sha256').update(data).digest('hex');
  writeFileSync(join(layout, 'blobs', 'sha256', hex), data);
  return { digest: `sha256:${hex}`, size: data.length };
}

/** Descriptors of the image (pure), given the layer's blob. */
export function imageDocuments(img: SingleBinaryImage, layer: Blob): { config: object; manifestFor(c: Blob): object } {
  const config = {
    architecture: 'amd64',
    os: 'linux',
    config: { Entrypoint: [img.path], ...(img.user ? { User: img.user } : {}) },
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  };
  return {
    config,
    manifestFor: (c: Blob) => ({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...c },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    }),
  };
}

/** Writes `<dir>/image.tar` (an OCI image layout) and returns its path. */
export async function writeSingleBinaryImage(img: SingleBinaryImage, dir: string): Promise<string> {
  const root = join(dir, 'rootfs');
  const layout = join(dir, 'layout');
  mkdirSync(root, { recursive: true });
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  const inImage = img.path.replace(/^\/+/, '');
  copyFileSync(img.binary, join(root, inImage));
  const layerTar = join(dir, 'layer.tar');
  await execFileP('tar', ['--owner=0', '--group=0', '--numeric-owner', '-C', root, '-cf', layerTar, inImage]);
  const layer = putBlob(layout, readFileSync(layerTar));
  const docs = imageDocuments(img, layer);
  const config = putBlob(layout, Buffer.from(JSON.stringify(docs.config)));
  const manifest = putBlob(layout, Buffer.from(JSON.stringify(docs.manifestFor(config))));
  const tag = img.name.slice(img.name.lastIndexOf(':') + 1);
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        ...manifest,
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: { 'io.containerd.image.name': img.name, 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const out = join(dir, 'image.tar');
  await execFileP('tar', ['-C', layout, '-cf', out, 'oci-layout', 'index.json', 'blobs']);
  return out;
}
