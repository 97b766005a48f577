/** The formats the OpenLineage schemas use, bundled into validators.generated.js. */
import { fullFormats } from 'ajv-formats/dist/formats.js';

export const formats = {
  // Producers such as the OpenLineage Python client send times without an offset: read as UTC.
  'date-time': fullFormats['iso-date-time'],
  uri: fullFormats.uri,
  uuid: fullFormats.uuid,
};
