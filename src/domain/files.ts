import type { Executor } from '../storage/database.js';
import { madeWithKey } from '../storage/made-with-key.js';
import { findOwned } from '../storage/owned.js';
import {
  type CreatedAtFilter,
  keysetPage,
  type Page,
  type PageRequest,
  toPage,
  whereCreatedAt,
} from '../storage/pagination.js';
import type { FileTable } from '../storage/schema.js';
import { FieldErrors, notFound, objectNotFound } from './errors.js';
import { acceptedKinds, sniffMediaType } from './file-types.js';
import { newId } from './ids.js';
import type { Keyring } from './secrets.js';
import { nowTimestamp, wireTimestamp } from './time.js';

/** Every purpose a File can have, as Increase lists them (some only Increase creates). */
export const filePurposes = [
  'card_dispute_attachment',
  'check_image_front',
  'check_image_back',
  'processed_check_image_front',
  'processed_check_image_back',
  'mailed_check_image',
  'check_attachment',
  'check_voucher_image',
  'check_signature',
  'inbound_mail_item',
  'form_1099_int',
  'form_1099_misc',
  'form_ss_4',
  'identity_document',
  'increase_statement',
  'loan_application_supplemental_document',
  'other',
  'trust_formation_document',
  'digital_wallet_artwork',
  'digital_wallet_app_icon',
  'physical_card_front',
  'physical_card_back',
  'physical_card_carrier',
  'document_request',
  'entity_supplemental_document',
  'export',
  'fee_statement',
  'unusual_activity_report_attachment',
  'deposit_account_control_agreement',
  'proof_of_authorization_request_submission',
  'account_verification_letter',
  'funding_instructions',
  'hold_harmless_letter',
] as const;
export type FilePurpose = (typeof filePurposes)[number];

/** The purposes a File may be uploaded with. */
export const uploadPurposes = [
  'card_dispute_attachment',
  'check_image_front',
  'check_image_back',
  'mailed_check_image',
  'check_attachment',
  'check_voucher_image',
  'check_signature',
  'form_ss_4',
  'identity_document',
  'loan_application_supplemental_document',
  'other',
  'trust_formation_document',
  'digital_wallet_artwork',
  'digital_wallet_app_icon',
  'physical_card_front',
  'physical_card_carrier',
  'document_request',
  'entity_supplemental_document',
  'unusual_activity_report_attachment',
  'proof_of_authorization_request_submission',
] as const satisfies readonly FilePurpose[];
export type UploadPurpose = (typeof uploadPurposes)[number];

/** A File as Increase shows it. */
export interface File {
  type: 'file';
  id: string;
  created_at: string;
  description: string | null;
  direction: FileTable['direction'];
  filename: string | null;
  idempotency_key: string | null;
  mime_type: string;
  purpose: FilePurpose;
}

/**
 * An upload as it arrived, not yet checked. `contents` may be cut short: whoever reads the
 * upload need not read more than one byte past the size limit for the size to be judged.
 */
export interface FileUpload {
  purpose?: string;
  description?: string;
  file?: { filename: string | null; contents: Buffer };
}

export interface FileFilter {
  purposes?: FilePurpose[];
  createdAt?: CreatedAtFilter;
  idempotencyKey?: string;
}

type FileMetadata = Omit<FileTable, 'contents'>;

const present = (row: FileMetadata): File => ({
  type: 'file',
  id: row.id,
  created_at: wireTimestamp(row.created_at),
  description: row.description,
  direction: row.direction,
  filename: row.filename,
  idempotency_key: row.idempotency_key,
  mime_type: row.mime_type,
  purpose: row.purpose as FilePurpose,
});

/** Every column but the contents, so that lists and lookups never load the bytes. */
const metadataColumns = [
  'id',
  'group_id',
  'purpose',
  'description',
  'filename',
  'mime_type',
  'size_bytes',
  'direction',
  'idempotency_key',
  'created_at',
] as const;

const maxFilenameLength = 255;

/**
 * Files: documents uploaded for onboarding (identity documents, formation documents,
 * supplemental documents). The contents are kept encrypted with the File's id as context,
 * so one database serves every process and a stolen table reads as noise.
 */
export class Files {
  constructor(
    private readonly keyring: Keyring,
    /** The largest upload, in bytes. */
    readonly sizeLimit: number,
  ) {}

  async create(db: Executor, groupId: string, upload: FileUpload, idempotencyKey: string | null): Promise<File> {
    const errors = new FieldErrors();
    const purpose = uploadPurposes.find((p) => p === upload.purpose);
    if (upload.purpose === undefined) errors.add('purpose', 'is required');
    else if (!purpose) errors.add('purpose', `must be one of ${uploadPurposes.join(', ')}`);
    if (upload.description !== undefined && (upload.description.length < 1 || upload.description.length > 200)) {
      errors.add('description', 'must be between 1 and 200 characters');
    }
    const accepted = this.acceptedFile(upload.file, errors);
    errors.throwIfAny();
    if (!purpose || !accepted) throw new Error('unreachable: a missing part was reported above');

    const id = newId('file');
    const row: FileTable = {
      id,
      group_id: groupId,
      purpose,
      description: upload.description ?? null,
      filename: accepted.filename,
      mime_type: accepted.mimeType,
      size_bytes: accepted.contents.length,
      direction: 'to_increase',
      contents: this.keyring.encryptBytes(accepted.contents, id),
      idempotency_key: idempotencyKey,
      created_at: nowTimestamp(),
    };
    await db.insertInto('files').values(row).execute();
    return present(row);
  }

  /** The upload with its media type, if it can be kept; adds what is wrong with it otherwise. */
  private acceptedFile(file: FileUpload['file'], errors: FieldErrors) {
    if (!file) {
      errors.add('file', 'is required: send the document as a file part named "file"');
      return null;
    }
    if (file.filename !== null && file.filename.length > maxFilenameLength) {
      errors.add('file', `its filename must be at most ${maxFilenameLength} characters`);
      return null;
    }
    if (file.contents.length === 0) {
      errors.add('file', 'is empty');
      return null;
    }
    if (file.contents.length > this.sizeLimit) {
      errors.add('file', `must be at most ${this.sizeLimit} bytes`);
      return null;
    }
    const mimeType = sniffMediaType(file.contents);
    if (!mimeType) {
      errors.add('file', `must be a ${acceptedKinds} file`);
      return null;
    }
    return { ...file, mimeType };
  }

  private async findMetadata(db: Executor, groupId: string, id: string): Promise<FileMetadata> {
    const row = await db
      .selectFrom('files')
      .select(metadataColumns)
      .where('group_id', '=', groupId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw objectNotFound(id);
    return row;
  }

  async get(db: Executor, groupId: string, id: string): Promise<File> {
    return present(await this.findMetadata(db, groupId, id));
  }

  async list(db: Executor, groupId: string, filter: FileFilter, page: PageRequest): Promise<Page<File>> {
    let query = db.selectFrom('files').select(metadataColumns).where('group_id', '=', groupId);
    if (filter.purposes) query = query.where('purpose', 'in', filter.purposes);
    if (filter.idempotencyKey !== undefined) query = madeWithKey(query, groupId, filter.idempotencyKey);
    if (filter.createdAt) query = whereCreatedAt(query, filter.createdAt);
    const rows = await keysetPage(query, page).execute();
    return toPage(rows, page, present);
  }

  /** A File and its decrypted bytes. */
  async contents(db: Executor, groupId: string, id: string): Promise<{ file: File; contents: Buffer }> {
    const row = (await findOwned(db, 'files', groupId, id)) ?? notFound(id);
    return { file: present(row), contents: this.keyring.decryptBytes(row.contents, row.id) };
  }

  /**
   * Whether the group has a File with this id (and, if `purposes` is given, one of those
   * purposes): how other domains check a `file_id` they are sent.
   */
  async exists(db: Executor, groupId: string, fileId: string, purposes?: readonly FilePurpose[]): Promise<boolean> {
    let query = db.selectFrom('files').select('id').where('group_id', '=', groupId).where('id', '=', fileId);
    if (purposes) {
      if (purposes.length === 0) return false;
      query = query.where('purpose', 'in', purposes);
    }
    return (await query.executeTakeFirst()) !== undefined;
  }
}
