// Public API of the quanta package (what task modules and scripts import from 'quanta').
export * from './errors.js';
