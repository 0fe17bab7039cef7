export const LIMITS = {
  descriptionMax: 2000,
  addressMax: 200,
  addendumMax: 2000,
  contactMax: 200,
  listingUrlMax: 500,
  passwordMin: 12,
  passwordMax: 200,
  nameMax: 100,
  emailMax: 254,
  forceVertexMax: 20000,
} as const;
