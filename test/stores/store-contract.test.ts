import { describeStoreContract, local } from './store-contract';

describeStoreContract(local);
