export { createAddressLimiter, type AddressLimiter, type AddressLimiterOptions, type AddressVerdict } from './address-limiter.js';
