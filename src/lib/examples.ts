// One small, consistent story for the examples of the OpenAPI document, so that Swagger UI and a
// mock server show records that refer to each other: Guangzhou's transport bureau licenses a
// ride-hailing platform of the demo data, one of its vehicles and one of its drivers. Every
// identifier passes its check (USCC, plate, VIN, resident ID); a test validates each example
// against its schema.

export const example = {
  agencyId: '0193e5a0-6b2d-7c3e-8a1f-5e6d7c8b9a02',
  enterpriseId: '0193e5a0-7c1e-7a4b-9f3e-2d4c6b8a1e01',
  licenceId: '0193e5a1-0a4f-7d21-b6c8-3f9e2a1d5c07',
  driverLicenceId: '0193e5a1-0a4f-7d21-b6c8-3f9e2a1d5c08',
  transitionId: '0193e5a2-1b3c-7e5f-a7d9-4c0b3e2f6d11',
  statusChangeId: '0193e5a2-2c4d-7f60-b8ea-5d1c4f307e12',
  importId: '0193e5a3-3d5e-7071-89fb-6e2d5a418f13',
  keyId: '0193e5a4-4e6f-7182-9a0c-7f3e6b52a014',
  requestId: '5f0c1e2a-9b7d-4c3e-8a6f-1d2b3c4e5f60',
  /** From seeds/enterprises.json: a valid USCC of Tianhe district. */
  uscc: '91440113MA55TH2H7L',
  enterpriseNameZh: '广州快行网约车科技有限公司',
  enterpriseNameEn: 'Guangzhou Kuaixing Ride-hailing Technology Co., Ltd.',
  agencyNameZh: '广州市交通运输局',
  agencyNameEn: 'Guangzhou Municipal Transport Bureau',
  city: '440100',
  district: '440106',
  /** A new-energy plate of Guangzhou, green, and a VIN whose check digit holds. */
  plate: '粤AD12345',
  vin: 'LFV2A21K8A3000001',
  /** The sample number of GB 11643 itself; shown masked, never stored. */
  idNumber: '11010519491231002X',
  idNumberMasked: '110105********002X',
  permitNumber: '穗交运网预许字440100202400123',
  vehicleNumber: '440100202400456',
  driverNumber: '440100202400789',
  validFrom: '2024-03-01',
  validUntil: '2028-02-29',
  createdAt: '2024-03-01T01:30:00.000Z',
  updatedAt: '2024-03-01T01:30:00.000Z'
} as const
