import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

import { sharedFolder } from './fixtures.ts';

export const facesFolder = `${sharedFolder}fixtures/faces/`;

/** One row of the faces fixtures' MANIFEST.tsv. */
export interface FaceFixture {
  file: string;
  license: string;
  width: number;
  height: number;
  faceCount: number;
}

/** The faces fixtures as their MANIFEST.tsv lists them. */
export function faceFixtures(): FaceFixture[] {
  const [header, ...rows] = readFileSync(`${facesFolder}MANIFEST.tsv`, 'utf8').trim().split('\n');
  const columns = (header ?? '').split('\t');
  const column = (row: string[], name: string) => row[columns.indexOf(name)] ?? '';
  return rows.map((line) => {
    const row = line.split('\t');
    return {
      file: column(row, 'file'),
      license: column(row, 'license'),
      width: Number(column(row, 'width')),
      height: Number(column(row, 'height')),
      faceCount: Number(column(row, 'face_count')),
    };
  });
}

export function faceFixture(file: string): Promise<Buffer> {
  return readFile(`${facesFolder}${file}`);
}

/**
 * A point near the middle of every counted face, in displayed pixels, placed by looking at
 * each photo: a redaction must cover every one of them.
 */
export const faceCentres: Record<string, Array<[number, number]>> = {
  'astronaut_1face.png': [[224, 120]],
  'biden_1face.jpg': [[560, 362]],
  'group_6faces.jpg': [
    [256, 89],
    [76, 175],
    [200, 100],
    [169, 184],
    [351, 74],
    [301, 198],
  ],
  'group_7faces_a.jpg': [
    [319, 102],
    [412, 108],
    [178, 133],
    [216, 109],
    [115, 212],
    [200, 231],
    [337, 256],
  ],
  'hopper_1face_tiny.jpg': [[64, 52]],
  'negative_cat_0faces.jpg': [],
  'three_3faces.jpg': [
    [141, 192],
    [264, 243],
    [399, 198],
  ],
  'two_2faces_heights.jpg': [
    [187, 80],
    [296, 308],
  ],
  'two_people_2faces.jpg': [
    [313, 124],
    [859, 158],
  ],
};
